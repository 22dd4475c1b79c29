import FileSupport
import Foundation
import MemoryLimit
import Tensor

/// NumPy `.npy` files (format versions 1.0, 2.0, 3.0), C order, little-endian.
///
/// Reads float16/32/64, int8/16/32/64, uint8/16 and bool (`<f2`, `<f4`, `<f8`, `|i1`, `<i2`, `<i4`, `<i8`,
/// `|u1`, `<u2`, `|b1`; converted to Float); writes `<f4` or `<f8`.
/// Headers are validated strictly since files may be hostile: the declared size is
/// checked for overflow and against the memory limit (`byteLimit`) before anything is allocated.
public enum NPY {
    /// Element types we write.
    public enum WriteType: String, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    static let itemSizes: [String: Int] = ["<f4": 4, "<f8": 8, "<f2": 2, "|i1": 1, "<i2": 2, "<i4": 4, "<i8": 8, "|u1": 1, "<u2": 2, "|b1": 1]

    /// Reads a `.npy` file into a Tensor (shape `()` becomes shape `[]` with one value).
    /// A file larger than `byteLimit` is refused before it is read.
    public static func read(_ path: String, byteLimit: Int = MemoryLimit.bytes) throws -> Tensor {
        try WholeFileRead.check(path, limit: byteLimit) { ImagingError(.tooLarge, $0, path: path) }
        return try WholeFileDecode.decode(path) { try decode($0, byteLimit: byteLimit) }
    }

    /// Writes `tensor` atomically as a version 1.0 file (2.0 if the header needs it).
    public static func write(_ tensor: Tensor, to path: String, as type: WriteType = .float32) throws {
        do {
            try AtomicFile.write(data: encode(tensor, as: type), to: URL(fileURLWithPath: path))
        } catch let error as AtomicFile.WriteError {
            throw ImagingError(.io, error.message, path: path)
        }
    }

    /// Serialises a tensor to `.npy` bytes.
    public static func encode(_ tensor: Tensor, as type: WriteType = .float32) -> Data {
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(type.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so magic + version + length + header + "\n" is a multiple of 64.
        let v1Padding = (64 - (10 + header.utf8.count + 1) % 64) % 64
        let v1 = header.utf8.count + 1 + v1Padding <= 65535
        let padding = v1 ? v1Padding : (64 - (12 + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var out = Data(magic)
        out.append(contentsOf: v1 ? [1, 0] : [2, 0])
        let length = header.utf8.count
        if v1 {
            out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        } else {
            out.append(contentsOf: (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) })
        }
        out.append(contentsOf: Array(header.utf8))
        switch type {
        case .float32:
            tensor.data.withUnsafeBufferPointer { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
        case .float64:
            let doubles = tensor.data.map(Double.init)
            doubles.withUnsafeBufferPointer { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
        }
        return out
    }

    /// Parses `.npy` bytes into a Tensor.
    public static func decode(_ data: Data, byteLimit: Int = MemoryLimit.bytes) throws -> Tensor {
        let bytes = [UInt8](data)
        func corrupt(_ m: String) -> ImagingError { ImagingError(.corrupt, m) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw corrupt("not an .npy file (bad magic)") }
        let major = bytes[6], minor = bytes[7]
        guard minor == 0, (1...3).contains(major) else {
            throw ImagingError(.unsupported, "unsupported .npy format version \(major).\(minor)")
        }
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw corrupt("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        guard headerLength <= bytes.count - headerStart else { throw corrupt("truncated .npy header") }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        // Version 1 and 2 headers are latin-1 (ASCII in practice), version 3 UTF-8.
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw corrupt("undecodable .npy header")
        }
        let parsed = try NPYHeader.parse(header)
        if parsed.fortranOrder {
            throw ImagingError(.unsupported, "Fortran-order .npy arrays are not supported; save with C order")
        }
        let descr = parsed.descr
        if descr.hasPrefix(">") {
            throw ImagingError(.unsupported, "big-endian .npy data ('\(descr)') is not supported; save as little-endian")
        }
        // '=' is native order, little-endian on every platform we build for.
        // One-byte types have no byte order: numpy writes '|', but '<' and '=' name the same type.
        let native = descr.hasPrefix("=") ? "<" + descr.dropFirst() : descr
        let normalised = ["<u1", "<i1", "<b1"].contains(native) ? "|" + native.dropFirst() : native
        guard let itemSize = itemSizes[normalised] else {
            throw ImagingError(.unsupported, "unsupported .npy dtype '\(descr)' (use <f2, <f4, <f8, |i1, <i2, <i4, <i8, |u1, <u2 or |b1)")
        }
        var count = 1
        for d in parsed.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw ImagingError(.tooLarge, "declared .npy shape \(parsed.shape) overflows") }
            count = product
        }
        // The file's values and their float32 copy are both in memory while converting.
        let floatSize = MemoryLayout<Float>.size
        if let refusal = MemoryLimit.refusal(".npy array of shape \(parsed.shape) and dtype '\(descr)'",
                                             declares: DeclaredSize.product([count, itemSize + floatSize]),
                                             detail: "\(itemSize) bytes per value read, \(floatSize) as float32", limit: byteLimit) {
            throw ImagingError(.tooLarge, refusal)
        }
        let byteCount = count * itemSize
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard available >= byteCount else {
            throw corrupt("truncated .npy data: \(available) of \(byteCount) bytes present")
        }
        guard available == byteCount else { throw corrupt("\(available - byteCount) unexpected bytes after .npy data") }
        let values = bytes.withUnsafeBytes { raw in
            convert(UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + byteCount)]), type: normalised, count: count)
        }
        return Tensor(shape: parsed.shape, data: values)
    }

    private static func convert(_ raw: UnsafeRawBufferPointer, type: String, count: Int) -> [Float] {
        switch type {
        case "<f4": return (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
        case "<f8": return (0..<count).map { Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian)) }
        case "<i4": return (0..<count).map { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        case "<i8": return (0..<count).map { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        case "<i2": return (0..<count).map { Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
        case "<u2": return (0..<count).map { Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case "|i1": return raw.map { Float(Int8(bitPattern: $0)) }
        case "|b1": return raw.map { $0 == 0 ? 0 : 1 }
        case "<f2": return (0..<count).map { halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        default: return raw.map { Float($0) }
        }
    }

    /// IEEE half → single by bit manipulation (Float16 is unavailable on some hosts).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = (h & 0x8000) != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = Float(h & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * Float(sign: .plus, exponent: -24, significand: 1)
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
