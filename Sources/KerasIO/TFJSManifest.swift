import FileSupport
import Foundation
import Graph
import MemoryLimit

/// A TensorFlow.js layers model's `model.json` (both forms: `tensorflowjs_converter` output, whose
/// `modelTopology` wraps `model_config`, and a model saved by TensorFlow.js itself, whose `modelTopology`
/// is the config; converter output before tfjs 1.0 has no `format`), and its weights read from the shards.
/// Every check happens before a weight value is used: paths stay inside the model's folder, every shard
/// exists, the manifest's bytes fit in the shards, dtypes are known, no name appears twice.
public struct TFJSManifest {
    /// One weight as the manifest declares it, with where its bytes start in the concatenated shards.
    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        /// Declared dtype (`float32`, `int32`, `bool`); quantized weights keep their original dtype here.
        public var dtype: String
        /// `model` (or absent) or `optimizer`.
        public var group: String?
        public var quantization: TFJSQuantization?
        /// Affine quantization's range (uint8/uint16).
        public var min: Double?
        public var scale: Double?
        /// Bytes the weight occupies in the shards.
        public var bytes: Int
        /// Offset of the weight's first byte in the shards, concatenated in manifest order.
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public static let maxJSONBytes = 256 << 20
    static let maxWeights = 1_000_000
    static let plainItemSizes = ["float32": 4, "int32": 4, "bool": 1]

    /// The `model.json` path.
    public let file: String
    /// Its folder, which every weights path must stay inside.
    public let folder: String
    public let format: String?
    public let generatedBy: String?
    public let convertedBy: String?
    /// `modelTopology.keras_version` / `backend` (TensorFlow.js itself writes `tfjs-layers x.y.z` and `tensor_flow.js`).
    public let kerasVersion: String?
    public let backend: String?
    /// The Keras model config (`{class_name, config}`), with the tfjs-only top-level keys removed.
    public let config: JSON
    /// `training_config` (converter) or `trainingConfig` (tfjs-layers).
    public let trainingConfig: JSON?
    /// Weight files in manifest order (as written in `paths`).
    public let paths: [String]
    public let entries: [Entry]
    /// Bytes of the shards, summed.
    public let shardBytes: Int

    /// Which writer produced the file, from the keys present.
    public var form: String {
        if format == nil && generatedBy == nil && convertedBy == nil { return "tensorflowjs_converter before 1.0 (no format field)" }
        if (generatedBy ?? "").contains("tfjs-layers") { return "saved by TensorFlow.js (tfjs-layers model.save)" }
        return "tensorflowjs_converter output"
    }

    /// The model.json for `path`: the file itself, or `model.json` inside a folder.
    public static func modelJSONPath(_ path: String) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            return (path as NSString).appendingPathComponent("model.json")
        }
        return path
    }

    /// Reads and checks `model.json` (not the weight values).
    public init(path: String) throws {
        let file = Self.modelJSONPath(path)
        self.file = file
        folder = (file as NSString).deletingLastPathComponent.isEmpty ? "." : (file as NSString).deletingLastPathComponent
        let limit = Swift.min(Self.maxJSONBytes, MemoryLimit.bytes)
        try WholeFileRead.check(file, limit: limit) { KerasIOError(file: file, $0) }
        guard let data = FileManager.default.contents(atPath: file) else { throw KerasIOError(file: file, "cannot be read") }
        let json: JSON
        do { json = try JSONParser(maxDepth: 512).parse(String(decoding: data, as: UTF8.self)) } catch {
            throw KerasIOError(file: file, "unreadable JSON: \(error)")
        }
        guard json.objectValue != nil else { throw KerasIOError(file: file, "is not a JSON object, not a TF.js model.json") }
        func optionalString(_ key: String) throws -> String? {
            guard let v = json[key], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw KerasIOError(file: file, object: key, "is not a string") }
            return s
        }
        format = try optionalString("format")
        generatedBy = try optionalString("generatedBy")
        convertedBy = try optionalString("convertedBy")
        guard let topo = json["modelTopology"], let topoObject = topo.objectValue else {
            throw KerasIOError(file: file, object: "modelTopology", json["modelTopology"] == nil ? "missing: not a TF.js layers model" : "is not an object")
        }
        if format == "graph-model" || topo["node"] != nil || topo["versions"] != nil {
            throw KerasIOError(file: file, "a TF.js graph model (a TensorFlow GraphDef, no Keras layers): only layers models can be read", kind: .unsupported)
        }
        if let f = format, f != "layers-model" {
            throw KerasIOError(file: file, object: "format", "is '\(f)', not 'layers-model'", kind: .unsupported)
        }
        kerasVersion = topo["keras_version"]?.stringValue
        backend = topo["backend"]?.stringValue
        var cfg: JSON
        if let mc = topo["model_config"] {
            cfg = mc
            trainingConfig = topo["training_config"].flatMap { $0.isNull ? nil : $0 }
        } else {
            var o = topoObject
            for k in ["keras_version", "backend"] { o[k] = nil }
            cfg = .object(o)
            trainingConfig = json["trainingConfig"].flatMap { $0.isNull ? nil : $0 }
        }
        guard cfg["class_name"]?.stringValue != nil else {
            throw KerasIOError(file: file, object: "modelTopology", "has no model config (class_name)")
        }
        config = cfg
        (paths, entries) = try Self.readManifest(json["weightsManifest"], file: file)
        var sizes = 0
        for p in paths {
            let full = try Self.resolve(p, folder: folder, file: file)
            sizes += WholeFileRead.size(of: full)
        }
        shardBytes = sizes
        let need = entries.last.map { $0.offset + $0.bytes } ?? 0
        guard need <= shardBytes else {
            throw KerasIOError(file: file, object: "weightsManifest",
                               "declares \(need) bytes of weights but its \(paths.count) weight file(s) hold \(shardBytes)")
        }
    }

    static func readManifest(_ manifest: JSON?, file: String) throws -> ([String], [Entry]) {
        guard let manifest, !manifest.isNull else { return ([], []) }
        guard let groups = manifest.arrayValue else { throw KerasIOError(file: file, object: "weightsManifest", "is not an array") }
        var paths: [String] = []
        var entries: [Entry] = []
        var names = Set<String>()
        var offset = 0
        for (g, group) in groups.enumerated() {
            let where_ = "weightsManifest[\(g)]"
            guard let ps = group["paths"]?.arrayValue, let ws = group["weights"]?.arrayValue else {
                throw KerasIOError(file: file, object: where_, "needs 'paths' and 'weights' arrays")
            }
            for p in ps {
                guard let s = p.stringValue else { throw KerasIOError(file: file, object: where_ + ".paths", "holds a non-string") }
                paths.append(s)
            }
            for (i, w) in ws.enumerated() {
                guard entries.count < maxWeights else { throw KerasIOError(file: file, object: "weightsManifest", "more than \(maxWeights) weights") }
                let at = "\(where_).weights[\(i)]"
                guard let name = w["name"]?.stringValue else { throw KerasIOError(file: file, object: at, "has no name") }
                let object = "weight '\(name)'"
                guard names.insert(name).inserted else { throw KerasIOError(file: file, object: object, "is named twice in the manifest") }
                guard let dims = w["shape"]?.arrayValue else { throw KerasIOError(file: file, object: object, "has no shape array") }
                let shape = try dims.map { d -> Int in
                    guard let n = d.intValue, n >= 0 else { throw KerasIOError(file: file, object: object, "shape \(dims.map { $0.serialized() }) has a dimension that is not a non-negative integer") }
                    return n
                }
                guard let dtype = w["dtype"]?.stringValue else { throw KerasIOError(file: file, object: object, "has no dtype") }
                var entry = Entry(name: name, shape: shape, dtype: dtype, group: w["group"]?.stringValue, quantization: nil,
                                  min: nil, scale: nil, bytes: 0, offset: offset)
                var item: Int
                if let q = w["quantization"], !q.isNull {
                    guard let qd = q["dtype"]?.stringValue, let kind = TFJSQuantization(rawValue: qd) else {
                        throw KerasIOError(file: file, object: object, "unknown quantization dtype \(q["dtype"]?.serialized() ?? "(none)") (known: uint8, uint16, float16)")
                    }
                    guard dtype == "float32" || (dtype == "int32" && kind != .float16) else {
                        throw KerasIOError(file: file, object: object, "\(kind.rawValue) quantization of a \(dtype) weight is not defined")
                    }
                    entry.quantization = kind
                    if kind != .float16 {
                        guard let mn = q["min"]?.doubleValue, let sc = q["scale"]?.doubleValue, mn.isFinite, sc.isFinite else {
                            throw KerasIOError(file: file, object: object, "\(kind.rawValue) quantization without a finite min and scale")
                        }
                        entry.min = mn
                        entry.scale = sc
                    }
                    item = kind.itemSize
                } else {
                    guard let size = plainItemSizes[dtype] else {
                        throw KerasIOError(file: file, object: object, "unknown or unsupported dtype '\(dtype)' (read: float32, int32, bool, and quantized uint8/uint16/float16)")
                    }
                    item = size
                }
                guard let bytes = DeclaredSize.product(shape + [item]), bytes <= Int(Int32.max) * 16,
                      let end = DeclaredSize.sum([offset, bytes]) else {
                    throw KerasIOError(file: file, object: object, "shape \(shape) declares an impossible number of bytes")
                }
                entry.bytes = bytes
                entries.append(entry)
                offset = end
            }
        }
        return (paths, entries)
    }

    /// The file a manifest path names, refused unless it is a regular file inside `folder`
    /// (no absolute paths, no `..`, no symbolic links on the way).
    static func resolve(_ p: String, folder: String, file: String) throws -> String {
        let object = "weights path '\(p)'"
        let comps = p.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if p.hasPrefix("/") || p.hasPrefix("\\") || p.contains("\\") || p.utf8.contains(0) || p.contains("://")
            || comps.contains("..") || comps.isEmpty {
            throw KerasIOError(file: file, object: object, "leaves the model's folder (absolute, '..' or a URL); refusing the model")
        }
        var at = folder
        for c in comps {
            at = (at as NSString).appendingPathComponent(String(c))
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: at) else {
                throw KerasIOError(file: file, object: object, "missing weight file \(at)")
            }
            if attrs[.type] as? FileAttributeType == .typeSymbolicLink {
                throw KerasIOError(file: file, object: object, "\(at) is a symbolic link; refusing to follow it out of the model's folder")
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: at, isDirectory: &isDir), !isDir.boolValue else {
            throw KerasIOError(file: file, object: object, "\(at) is not a regular file")
        }
        return at
    }

    /// The shards concatenated in manifest order, read whole (checked against the memory limit first).
    public func shardData() throws -> Data {
        if let refusal = MemoryLimit.refusal("the weight files", declares: shardBytes, verb: "hold", limit: MemoryLimit.bytes) {
            throw KerasIOError(file: file, refusal)
        }
        var all = Data()
        all.reserveCapacity(shardBytes)
        for p in paths {
            let full = try Self.resolve(p, folder: folder, file: file)
            guard let d = FileManager.default.contents(atPath: full) else {
                throw KerasIOError(file: file, object: "weights path '\(p)'", "cannot read \(full)")
            }
            all.append(d)
        }
        let need = entries.last.map { $0.offset + $0.bytes } ?? 0
        guard all.count >= need else {
            throw KerasIOError(file: file, object: "weightsManifest", "declares \(need) bytes of weights but the weight files hold \(all.count)")
        }
        return all
    }

    /// The float32 values of one entry from the concatenated shards.
    public func values(of e: Entry, in data: Data) -> [Float] {
        data.withUnsafeBytes { raw -> [Float] in
            if let q = e.quantization {
                return q.dequantize(raw, offset: e.offset, count: e.count, min: e.min ?? 0, scale: e.scale ?? 1,
                                    roundToInteger: e.dtype == "int32")
            }
            var out = [Float](repeating: 0, count: e.count)
            for i in 0..<e.count {
                switch e.dtype {
                case "bool": out[i] = raw[e.offset + i] == 0 ? 0 : 1
                case "int32": out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: e.offset + 4 * i, as: Int32.self)))
                default: out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: e.offset + 4 * i, as: UInt32.self)))
                }
            }
            return out
        }
    }
}
