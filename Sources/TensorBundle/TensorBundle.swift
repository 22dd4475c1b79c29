import FileSupport
import Foundation
import MemoryLimit
import ProtoMessages
import SwiftProtobuf

/// One tensor listed in a bundle's index (docs/tf-containers.md §1.3), checked when the index is read.
public struct BundleEntry: Sendable {
    public let key: String
    public let dtype: TFDataType
    public let shape: [Int]
    public let shardID: Int
    public let offset: Int
    public let size: Int
    /// Masked CRC32C of the stored bytes.
    public let maskedCRC: UInt32
    /// Partitioned tensor: the slices that make it up (its own offset and size are unused).
    public let slices: [[SliceExtent]]

    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes of the whole tensor as stored (sliced: the sum of its slices).
    public var byteCount: Int { dtype == .string ? size : elementCount * dtype.itemSize }
}

/// A TensorFlow TensorBundle: `<prefix>.index` (a table of `BundleEntryProto`) and
/// `<prefix>.data-NNNNN-of-MMMMM`. Every size, bound and checksum is checked before a tensor is used.
public final class TensorBundle {
    /// The string tensor holding the checkpoint's `TrackableObjectGraph`.
    public static let objectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH"
    /// Largest element count accepted for one tensor (TensorFlow aborts on overflowing shapes; we refuse).
    public static let maxElements = 1 << 34
    static let maxIndexBytes = 1 << 30

    public let prefix: String
    public let shardCount: Int
    /// Tensors in key order, slice pieces excluded.
    public let entries: [BundleEntry]
    let byKey: [String: Int]
    /// Slice pieces by tensor name and extents.
    let pieces: [String: [[SliceExtent]: BundleEntry]]
    private var shards: [Int: Data] = [:]
    private let lock = NSLock()

    var indexFile: String { prefix + ".index" }

    public func dataFile(_ shard: Int) -> String {
        prefix + String(format: ".data-%05d-of-%05d", shard, shardCount)
    }

    /// The prefix a path names: the prefix itself, its `.index` file, or a folder whose `checkpoint` file
    /// names one (`model_checkpoint_path: "ckpt"`). Nil when none of these.
    public static func prefix(of path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if path.hasSuffix(".index"), fm.fileExists(atPath: path) { return String(path.dropLast(".index".count)) }
        if fm.fileExists(atPath: path + ".index") { return path }
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { return nil }
        let dir = URL(fileURLWithPath: path)
        if let text = try? String(contentsOf: dir.appendingPathComponent("checkpoint"), encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("model_checkpoint_path:") {
                guard let q1 = line.firstIndex(of: "\""), let q2 = line.lastIndex(of: "\""), q1 < q2 else { continue }
                let name = String(line[line.index(after: q1)..<q2])
                let p = name.hasPrefix("/") ? name : dir.appendingPathComponent(name).path
                if fm.fileExists(atPath: p + ".index") { return p }
            }
        }
        return nil
    }

    /// Reads and checks the index of the bundle at `prefix` (tensor bytes are read on demand).
    public init(prefix: String) throws {
        self.prefix = prefix
        let file = prefix + ".index"
        func fail(_ m: String) -> TensorBundleError { TensorBundleError(file: file, m) }
        try WholeFileRead.check(file, limit: min(Self.maxIndexBytes, MemoryLimit.bytes)) { fail($0) }
        guard let data = FileManager.default.contents(atPath: file) else { throw fail("cannot be read") }
        let table = try SSTable.entries([UInt8](data), file: file)
        guard let head = table.first, head.key.isEmpty else { throw fail("the first key is not the bundle header: not a TensorFlow checkpoint index") }
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        let header: TFBundleHeaderProto
        do { header = try TFBundleHeaderProto(serializedBytes: head.value, options: options) } catch {
            throw fail("unreadable bundle header (\(error))")
        }
        guard header.endianness == 0 else { throw fail("big-endian bundle; TensorFlow on every current machine writes little-endian, refusing it") }
        guard header.numShards >= 1, header.numShards <= 100_000 else { throw fail("header declares \(header.numShards) data shards") }
        shardCount = Int(header.numShards)
        var entries: [BundleEntry] = []
        var pieces: [String: [[SliceExtent]: BundleEntry]] = [:]
        for (k, v) in table.dropFirst() {
            let raw: TFBundleEntryProto
            let label = k.first == 0 ? "slice key \(k.map { String(format: "%02x", $0) }.joined())" : "'\(String(decoding: k, as: UTF8.self))'"
            do { raw = try TFBundleEntryProto(serializedBytes: v, options: options) } catch {
                throw fail("entry \(label): unreadable BundleEntryProto (\(error))")
            }
            let e = try Self.entry(raw, key: String(decoding: k, as: UTF8.self), label: label, shards: shardCount, file: file)
            if k.first == 0 {
                guard let s = SliceKey(k) else { throw fail("malformed slice key \(label)") }
                pieces[s.name, default: [:]][s.extents] = e
            } else {
                entries.append(e)
            }
        }
        self.entries = entries
        self.pieces = pieces
        byKey = Dictionary(entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        for e in entries where !e.slices.isEmpty {
            for s in e.slices where pieces[e.key]?[Self.resolved(s, shape: e.shape)] == nil {
                throw fail("'\(e.key)': slice \(s.map { "\($0.start):\($0.length)" }) is listed but not stored")
            }
        }
    }

    /// Checks one entry's dtype, shape, shard and size.
    static func entry(_ p: TFBundleEntryProto, key: String, label: String, shards: Int, file: String) throws -> BundleEntry {
        func fail(_ m: String) -> TensorBundleError { TensorBundleError(file: file, "entry \(label): \(m)") }
        guard let dtype = TFDataType(rawValue: p.dtype) else {
            let known = p.dtype == 20 ? " (resource)" : p.dtype == 21 ? " (variant)" : ""
            throw fail("unknown or unsupported dtype \(p.dtype)\(known)")
        }
        guard !p.shape.unknownRank else { throw fail("shape of unknown rank") }
        guard p.shape.dim.count <= 64 else { throw fail("rank \(p.shape.dim.count)") }
        var count = 1
        for d in p.shape.dim {
            guard d.size >= 0 else { throw fail("negative dimension \(d.size) in shape \(p.shape.dim.map(\.size))") }
            let (m, o) = count.multipliedReportingOverflow(by: Int(clamping: d.size))
            guard !o, m <= maxElements else { throw fail("shape \(p.shape.dim.map(\.size)) has more than \(maxElements) elements") }
            count = m
        }
        let shape = p.shape.dim.map { Int($0.size) }
        let slices = p.slices.map { $0.extent.map { SliceExtent(start: $0.start, length: $0.hasLength_p == nil ? -1 : $0.length) } }
        for s in slices {
            guard s.count == shape.count else { throw fail("a slice of rank \(s.count) for a tensor of rank \(shape.count)") }
            for (i, x) in s.enumerated() {
                let len = x.length == -1 ? Int64(shape[i]) : x.length
                guard x.start >= 0, len >= 0, x.start <= Int64(shape[i]) - len else { throw fail("slice extent \(x.start):\(x.length) outside dimension \(shape[i])") }
            }
        }
        if slices.isEmpty {
            guard p.shardID >= 0, Int(p.shardID) < shards else { throw fail("shard \(p.shardID) of \(shards)") }
            guard p.offset >= 0, p.size >= 0 else { throw fail("negative offset \(p.offset) or size \(p.size)") }
            if dtype != .string {
                let expected = count * dtype.itemSize
                guard p.size == Int64(expected) else {
                    throw fail("stored size \(p.size) but shape \(shape) of \(dtype.name) needs \(expected) bytes (elements × item size)")
                }
            }
        }
        return BundleEntry(key: key, dtype: dtype, shape: shape, shardID: Int(p.shardID), offset: Int(clamping: p.offset),
                           size: Int(clamping: p.size), maskedCRC: p.crc32C, slices: slices)
    }

    static func resolved(_ s: [SliceExtent], shape: [Int]) -> [SliceExtent] {
        s.enumerated().map { i, x in x.length == -1 ? SliceExtent(start: x.start, length: Int64(shape[i])) : x }
    }

    public func entry(_ key: String) -> BundleEntry? { byKey[key].map { entries[$0] } }

    /// The mapped data file of `shard`.
    func shard(_ id: Int) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let d = shards[id] { return d }
        let path = dataFile(id)
        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorBundleError(file: path, "missing data shard (named by \(indexFile))")
        }
        let d: Data
        do { d = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TensorBundleError(file: path, "cannot be read (\(error.localizedDescription))")
        }
        shards[id] = d
        return d
    }

    /// The stored bytes of a plain (unsliced) entry, bounds and checksum checked; `body` sees them in place.
    /// (A string tensor's checksum is over its lengths as uint32, not as stored: `strings` checks it.)
    func withBytes<R>(_ e: BundleEntry, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let d = try shard(e.shardID)
        let path = dataFile(e.shardID)
        guard e.offset <= d.count, e.size <= d.count - e.offset else {
            throw TensorBundleError(file: path, "'\(e.key)' lies at offset \(e.offset) with \(e.size) bytes, beyond the file's \(d.count) bytes")
        }
        if let refusal = MemoryLimit.refusal("tensor '\(e.key)'", declares: e.size * (e.dtype == .float ? 1 : 2)) {
            throw TensorBundleError(file: path, refusal)
        }
        return try d.withUnsafeBytes { all in
            let b = UnsafeRawBufferPointer(rebasing: all[e.offset..<(e.offset + e.size)])
            let crc = CRC32C.checksum(b)
            guard e.dtype == .string || crc == CRC32C.unmask(e.maskedCRC) else {
                throw TensorBundleError(file: path, "'\(e.key)' (\(e.size) bytes at offset \(e.offset)): checksum does not match (stored \(String(format: "%08x", CRC32C.unmask(e.maskedCRC))), computed \(String(format: "%08x", crc)))")
            }
            return try body(b)
        }
    }

    /// A numeric tensor's values as Float, row-major (sliced tensors reassembled).
    public func floats(_ key: String) throws -> [Float] {
        guard let e = entry(key) else { throw TensorBundleError(file: indexFile, "no tensor '\(key)'") }
        return try floats(e)
    }

    public func floats(_ e: BundleEntry) throws -> [Float] {
        guard e.dtype != .string else { throw TensorBundleError(file: indexFile, "'\(e.key)' holds strings, not numbers") }
        guard !e.slices.isEmpty else { return try withBytes(e) { e.dtype.floats($0, count: e.elementCount) } }
        if let refusal = MemoryLimit.refusal("tensor '\(e.key)'", declares: e.elementCount * 4) {
            throw TensorBundleError(file: indexFile, refusal)
        }
        var out = [Float](repeating: 0, count: e.elementCount)
        let shape = e.shape
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        for s in e.slices {
            let ext = Self.resolved(s, shape: shape)
            guard let piece = pieces[e.key]?[ext] else { throw TensorBundleError(file: indexFile, "'\(e.key)': missing slice") }
            let sub = ext.map { Int($0.length) }
            guard piece.shape == sub, piece.dtype == e.dtype else {
                throw TensorBundleError(file: indexFile, "'\(e.key)': slice stored with shape \(piece.shape), expected \(sub)")
            }
            let values = try withBytes(piece) { e.dtype.floats($0, count: piece.elementCount) }
            var subStrides = [Int](repeating: 1, count: sub.count)
            for i in stride(from: sub.count - 2, through: 0, by: -1) { subStrides[i] = subStrides[i + 1] * sub[i + 1] }
            for flat in 0..<values.count {
                var dst = 0
                var r = flat
                for i in 0..<sub.count {
                    dst += (Int(ext[i].start) + r / subStrides[i]) * strides[i]
                    r %= subStrides[i]
                }
                out[dst] = values[flat]
            }
        }
        return out
    }

    /// A string tensor's elements (the object graph is one), lengths and checksums checked.
    public func strings(_ key: String) throws -> [[UInt8]] {
        guard let e = entry(key) else { throw TensorBundleError(file: indexFile, "no tensor '\(key)'") }
        guard e.dtype == .string, e.slices.isEmpty else { throw TensorBundleError(file: indexFile, "'\(key)' is not a string tensor") }
        let path = dataFile(e.shardID)
        let n = e.elementCount
        return try withBytes(e) { b in
            let bytes = [UInt8](b)
            var r = WireReader(bytes, from: 0, to: bytes.count)
            var lengths: [UInt64] = []
            var crc: UInt32 = 0
            for _ in 0..<n {
                guard let l = r.varint() else { throw TensorBundleError(file: path, "'\(key)': unreadable string length") }
                lengths.append(l)
                if l <= UInt64(UInt32.max) {
                    crc = CRC32C.checksum(withUnsafeBytes(of: UInt32(l).littleEndian) { Array($0) }, continuing: crc)
                } else {
                    crc = CRC32C.checksum(withUnsafeBytes(of: l.littleEndian) { Array($0) }, continuing: crc)
                }
            }
            guard n == 0 || r.pos + 4 <= bytes.count else { throw TensorBundleError(file: path, "'\(key)': string lengths run past the tensor") }
            if n > 0 {
                var stored: UInt32 = 0
                for i in 0..<4 { stored |= UInt32(bytes[r.pos + i]) << (8 * UInt32(i)) }
                guard CRC32C.unmask(stored) == crc else { throw TensorBundleError(file: path, "'\(key)': string lengths checksum mismatch") }
                crc = CRC32C.checksum(bytes[r.pos..<(r.pos + 4)], continuing: crc)
                r.pos += 4
            }
            var out: [[UInt8]] = []
            for l in lengths {
                guard let s = r.bytes(l) else { throw TensorBundleError(file: path, "'\(key)': strings run past the tensor") }
                crc = CRC32C.checksum(s, continuing: crc)
                out.append(s)
            }
            guard crc == CRC32C.unmask(e.maskedCRC) else {
                throw TensorBundleError(file: path, "'\(key)' (\(e.size) bytes at offset \(e.offset)): checksum does not match")
            }
            guard r.atEnd else { throw TensorBundleError(file: path, "'\(key)': \(bytes.count - r.pos) bytes after the strings") }
            return out
        }
    }

    /// Sum of the data files' sizes (what the bundle occupies besides its index).
    public var dataBytes: Int {
        (0..<shardCount).reduce(0) { $0 + WholeFileRead.size(of: dataFile($1)) }
    }
}
