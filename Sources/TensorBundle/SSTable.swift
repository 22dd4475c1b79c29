/// The LevelDB-format table TensorFlow writes as a bundle's `.index` (docs/tf-containers.md §1.2):
/// data blocks, a metaindex block, an index block, a 48-byte footer; every block followed by a
/// type byte and a masked CRC32C. Only uncompressed blocks (what TensorFlow writes) are read.
public enum SSTable {
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    static let footerLength = 48
    /// Far above any bundle (one entry per variable): a sanity limit on hostile restart and entry counts.
    static let maxEntries = 10_000_000

    /// Every (key, value) of the table at `file` (its bytes), in key order.
    public static func entries(_ bytes: [UInt8], file: String) throws -> [(key: [UInt8], value: [UInt8])] {
        func fail(_ m: String) -> TensorBundleError { TensorBundleError(file: file, m) }
        guard bytes.count >= footerLength else { throw fail("\(bytes.count) bytes, too short for a table footer: not a TensorFlow index") }
        let foot = bytes.count - footerLength
        var m: UInt64 = 0
        for i in 0..<8 { m |= UInt64(bytes[foot + 40 + i]) << (8 * UInt64(i)) }
        guard m == magic else { throw fail("not an sstable (bad magic number in the footer): not a TensorFlow index") }
        var r = WireReader(bytes, from: foot, to: foot + 40)
        guard let _ = r.varint(), let _ = r.varint(), let ixOff = r.varint(), let ixSize = r.varint() else {
            throw fail("corrupt table footer (block handles unreadable)")
        }
        let index = try block(bytes, offset: ixOff, size: ixSize, file: file, what: "index block")
        var out: [(key: [UInt8], value: [UInt8])] = []
        var previous: [UInt8]?
        for (sep, handle) in try blockEntries(index, file: file, what: "index block") {
            var h = WireReader(handle, from: 0, to: handle.count)
            guard let off = h.varint(), let size = h.varint() else {
                throw fail("corrupt index block: unreadable block handle under key '\(String(decoding: sep, as: UTF8.self))'")
            }
            let data = try block(bytes, offset: off, size: size, file: file, what: "data block at offset \(off)")
            for e in try blockEntries(data, file: file, what: "data block at offset \(off)") {
                if let p = previous, !p.lexicographicallyPrecedes(e.key) {
                    throw fail("corrupt table: keys out of order at '\(String(decoding: e.key, as: UTF8.self))'")
                }
                previous = e.key
                out.append(e)
                guard out.count <= maxEntries else { throw fail("more than \(maxEntries) table entries") }
            }
        }
        return out
    }

    /// A block's contents after its trailer (type byte 0, masked CRC32C of contents and type) checks out.
    static func block(_ bytes: [UInt8], offset: UInt64, size: UInt64, file: String, what: String) throws -> ArraySlice<UInt8> {
        guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset, Int(size) + 5 <= bytes.count - Int(offset) else {
            throw TensorBundleError(file: file, "corrupt table: \(what) (offset \(offset), \(size) bytes) lies beyond the file's \(bytes.count) bytes")
        }
        let o = Int(offset), n = Int(size)
        let type = bytes[o + n]
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(bytes[o + n + 1 + i]) << (8 * UInt32(i)) }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[o..<(o + n + 1)])) }
        guard CRC32C.unmask(stored) == crc else {
            throw TensorBundleError(file: file, "corrupt table: \(what): block checksum mismatch")
        }
        guard type == 0 else {
            throw TensorBundleError(file: file, "\(what) is compressed (type \(type)); TensorFlow writes bundles uncompressed, refusing it")
        }
        return bytes[o..<(o + n)]
    }

    /// Prefix-compressed entries of one block (restart array at its end).
    static func blockEntries(_ block: ArraySlice<UInt8>, file: String, what: String) throws -> [(key: [UInt8], value: [UInt8])] {
        func fail(_ m: String) -> TensorBundleError { TensorBundleError(file: file, "corrupt table: \(what): \(m)") }
        let b = Array(block)
        guard b.count >= 4 else { throw fail("shorter than its restart count") }
        var restarts = 0
        for i in 0..<4 { restarts |= Int(b[b.count - 4 + i]) << (8 * i) }
        guard restarts <= (b.count - 4) / 4 else { throw fail("restart count \(restarts) does not fit in \(b.count) bytes") }
        let end = b.count - 4 - 4 * restarts
        var r = WireReader(b, from: 0, to: end)
        var key: [UInt8] = []
        var out: [(key: [UInt8], value: [UInt8])] = []
        while !r.atEnd {
            guard let shared = r.varint(), let unshared = r.varint(), let vlen = r.varint() else { throw fail("unreadable entry header") }
            guard shared <= UInt64(key.count) else { throw fail("entry shares \(shared) bytes of a \(key.count)-byte key") }
            guard let delta = r.bytes(unshared), let value = r.bytes(vlen) else { throw fail("entry runs past the block") }
            key = Array(key[0..<Int(shared)]) + delta
            out.append((key, value))
            guard out.count <= maxEntries else { throw fail("more than \(maxEntries) entries") }
        }
        return out
    }
}

/// Little-endian varints and byte runs over a bounded range.
struct WireReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int

    init(_ bytes: [UInt8], from: Int, to: Int) {
        self.bytes = bytes
        pos = from
        end = to
    }

    var atEnd: Bool { pos >= end }

    mutating func varint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while pos < end {
            let b = bytes[pos]
            pos += 1
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    mutating func bytes(_ n: UInt64) -> [UInt8]? {
        guard n <= UInt64(end - pos) else { return nil }
        defer { pos += Int(n) }
        return Array(bytes[pos..<(pos + Int(n))])
    }
}
