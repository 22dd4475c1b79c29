import Foundation
import CCRC32C

/// CRC-32C (Castagnoli) and TensorFlow's masked form of it, stored in tables and bundles.
public enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc` (0 to start). SSE4.2 where present, a table otherwise.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        convscope_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    public static func checksum<C: ContiguousBytes>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// The table path alone (tests hold both paths to the same values).
    public static func tableChecksum<C: ContiguousBytes>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { convscope_crc32c_table(crc, $0.baseAddress, $0.count) }
    }

    public static var usesHardware: Bool { convscope_crc32c_hardware() != 0 }

    static let maskDelta: UInt32 = 0xA282_EAD8

    /// TensorFlow's `crc32c::Mask`: rotate right by 15, add a constant.
    public static func mask(_ c: UInt32) -> UInt32 { ((c >> 15) | (c << 17)) &+ maskDelta }

    public static func unmask(_ m: UInt32) -> UInt32 {
        let r = m &- maskDelta
        return (r >> 17) | (r << 15)
    }
}
