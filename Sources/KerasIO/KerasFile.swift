import Foundation
import Graph
import HDF5
import TensorBundle

/// Opens any Keras model or weights file, detecting its kind by content.
public enum KerasFile {
    /// Largest `.keras` archive opened: a sanity limit on the file, which is read entry by entry
    /// (an entry read into memory is checked against the memory limit).
    public static let maxArchiveBytes = 8 << 30

    /// Opens `path`. With `loadValues` false, weights get their shapes but placeholder values (the layers' own: zeros, ones
    /// for a normalization's scale; enough for `inspect`, which reads no values from the model).
    public static func open(_ path: String, loadValues: Bool = true) throws -> KerasModelFile {
        switch try sniff(path) {
        case .zip: return try KerasArchiveReader.open(path, loadValues: loadValues)
        case .hdf5: return try HDF5ModelReader.open(path, loadValues: loadValues)
        case .shardManifest: return try ShardedWeightsReader.open(path, loadValues: loadValues)
        case .kerasFolder: return try KerasFolderReader.open(path, loadValues: loadValues)
        case .tfjs: return try TFJSModelReader.open(path, loadValues: loadValues)
        case .savedModel(let dir): return try SavedModelReader.open(dir, loadValues: loadValues)
        case .tfCheckpoint(let prefix): return try TFCheckpointReader.open(prefix, label: path)
        }
    }

    /// Attaches a weights-only file to an architecture built elsewhere (the Zoo):
    /// legacy h5 by layer name (like `load_weights(by_name=True)`), Keras 3 files by order and class.
    @discardableResult
    public static func attach(weightsFile path: String, to graph: Graph) throws -> WeightAttachment {
        try attach(weightsFile: path, entries: ModelEntry.entries(from: graph))
    }

    /// The same onto a model read from a config.
    @discardableResult
    public static func attach(weightsFile path: String, to model: KerasModel) throws -> WeightAttachment {
        try attach(weightsFile: path, entries: model.layers)
    }

    /// `legacyByName`: legacy h5 layers matched by name only (`load_weights(by_name=True)`), else as Keras'
    /// `load_weights` does (names first, then by position over the layers with weights).
    static func attach(weightsFile path: String, entries: [ModelEntry], legacyByName: Bool = true) throws -> WeightAttachment {
        switch try sniff(path) {
        case .zip: return try KerasArchiveReader.attach(path, entries: entries, legacyByName: legacyByName)
        case .hdf5: return try HDF5ModelReader.attach(.path(path), entries: entries, label: path, legacyByName: legacyByName)
        case .shardManifest: return try ShardedWeightsReader.attach(path, entries: entries)
        case .kerasFolder: return try KerasFolderReader.attach(path, entries: entries)
        case .tfjs: return try TFJSModelReader.attach(path, entries: entries)
        case .savedModel(let dir): return try SavedModelReader.attach(dir, entries: entries)
        case .tfCheckpoint(let prefix): return try TFCheckpointReader.attach(prefix, entries: entries, label: path)
        }
    }

    /// The containers ConvScope reads: one case each, its reader in its own file.
    enum Kind: Equatable {
        /// `.keras` zip archive.
        case zip
        /// Any Keras HDF5 file (legacy full model or weights, Keras 3 `.weights.h5`).
        case hdf5
        /// `*.weights.json` sharded weights manifest (Keras 3.10+).
        case shardManifest
        /// An unzipped `.keras`: a folder with `config.json` (`save_model(..., zipped=False)`).
        case kerasFolder
        /// A TF.js layers `model.json` (or a folder holding one).
        case tfjs
        /// A tf.keras SavedModel directory (the folder, or its `saved_model.pb`).
        case savedModel(String)
        /// A TensorFlow checkpoint: its prefix (given as the prefix, its `.index`, or a folder with `checkpoint`).
        case tfCheckpoint(String)
    }

    /// A folder with config.json → unzipped `.keras`; zip magic → `.keras`; a JSON object → by its keys
    /// (`sniffJSON`); anything else is handed to HDF5 (which finds signatures after user blocks).
    static func sniff(_ path: String) throws -> Kind {
        if let dir = SavedModelReader.directory(of: path) { return .savedModel(dir) }
        if let prefix = TensorBundle.prefix(of: path) { return .tfCheckpoint(prefix) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw KerasIOError(file: path, "no such file")
        }
        if isDir.boolValue {
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("model.json")) { return .tfjs }
            guard FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json")) else {
                throw KerasIOError(file: path, "is a directory without config.json or model.json, not an unzipped .keras folder or a TF.js model")
            }
            return .kerasFolder
        }
        guard let h = FileHandle(forReadingAtPath: path) else { throw KerasIOError(file: path, "cannot be read") }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 8)) ?? Data()
        guard !head.isEmpty else { throw KerasIOError(file: path, "is empty (0 bytes), not a Keras file") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if isTFJSModelJSON(h, head: head) { return .tfjs }
        if try sniffsAsJSON(path) { return try sniffJSON(path) }
        return .hdf5
    }

    /// A JSON file: which container by its top-level keys.
    static func sniffJSON(_ path: String) throws -> Kind {
        let json = try ShardManifest.parse(path)
        if ShardManifest.looksLikeManifest(json) { return .shardManifest }
        throw KerasIOError(file: path, "is JSON but not a sharded weights manifest (no 'weight_map'); a model JSON is an architecture: pass it as --arch", kind: .unsupported)
    }

    /// A JSON object naming `modelTopology` or `weightsManifest` in its first 1 MiB: a TF.js `model.json`.
    static func isTFJSModelJSON(_ h: FileHandle, head: Data) -> Bool {
        guard let first = head.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }), first == UInt8(ascii: "{") else { return false }
        let rest = (try? h.read(upToCount: 1 << 20)) ?? Data()
        let text = String(decoding: head + rest, as: UTF8.self)
        return text.contains("\"modelTopology\"") || text.contains("\"weightsManifest\"")
    }

    /// Generation of a legacy (h5) file from its `keras_version`, backend and weight names.
    static func legacyGeneration(version: String?, backend: String?, sampleWeightName: String?) -> KerasGeneration {
        if let v = version {
            if v.hasPrefix("1.") { return .keras1 }
            if v.hasPrefix("3.") { return .keras3H5 }
            if v.hasSuffix("-tf") { return .tfkeras }
            let parts = v.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 }
            let (maj, min, pat) = (parts.first ?? 0, parts.count > 1 ? parts[1] : 0, parts.count > 2 ? parts[2] : 0)
            if maj == 2 && (min, pat) <= (2, 4) { return .keras2 }
            return .tfkeras
        }
        if backend == "theano" { return .keras1 }
        if let n = sampleWeightName, n.hasSuffix(":0") { return .tfkeras }
        return .keras2
    }

    static func orientation(_ g: KerasGeneration, backend: String?) -> KernelOrientation {
        guard backend == "theano" else { return .tensorflow }
        return g == .keras1 ? .theanoKeras1 : .theanoKeras2
    }

    /// Summarises a `training_config` (legacy) or `compile_config` (Keras 3).
    static func trainingSummary(_ j: JSON) -> TrainingSummary {
        var s = TrainingSummary()
        let opt = j["optimizer_config"] ?? j["optimizer"]
        if let o = opt {
            if let name = o.stringValue { s.optimizer = name } else {
                var cls = o["class_name"]?.stringValue
                if let c = cls, let r = c.range(of: ">", options: .backwards) { cls = String(c[r.upperBound...]) }
                s.optimizer = cls
                let c = o["config"]
                s.learningRate = c?["learning_rate"]?.doubleValue ?? c?["lr"]?.doubleValue
            }
        }
        if let l = j["loss"], !l.isNull { s.loss = l.stringValue ?? l.serialized() }
        return s
    }
}

extension ModelEntry {
    /// Rebuilds model.layers (with nesting from `outer/inner` node names) for a graph built in code.
    public static func entries(from graph: Graph) -> [ModelEntry] {
        var seen = Set<ObjectIdentifier>()
        var top: [ModelEntry] = []
        func insert(_ e: ModelEntry, comps: ArraySlice<String>, prefix: String, into list: inout [ModelEntry]) {
            if comps.count == 1 { list.append(e); return }
            let head = comps.first!
            let path = prefix + head
            if let i = list.firstIndex(where: { $0.path == path && $0.isModel }) {
                insert(e, comps: comps.dropFirst(), prefix: path + "/", into: &list[i].children!)
            } else {
                var m = ModelEntry(name: head, path: path, className: "Functional", layer: nil, children: [], config: .null)
                insert(e, comps: comps.dropFirst(), prefix: path + "/", into: &m.children!)
                list.append(m)
            }
        }
        for n in graph.nodes where seen.insert(ObjectIdentifier(n.layer)).inserted {
            var path = n.name
            if let c = path.lastIndex(of: ":"), path[path.index(after: c)...].allSatisfy(\.isNumber) { path = String(path[..<c]) }
            let comps = path.split(separator: "/").map(String.init)
            let e = ModelEntry(name: comps.last ?? n.layer.name, path: path, className: n.layer.className,
                               layer: n.layer, children: nil, config: n.layer.config)
            insert(e, comps: comps[...], prefix: "", into: &top)
        }
        return top
    }
}
