import Foundation
import Graph
import HDF5
import TensorBundle

/// Opens any Keras model or weights file, detecting its kind by content.
public enum KerasFile {
    /// Largest `.keras` archive opened: a sanity limit on the file, which is read entry by entry
    /// (an entry read into memory is checked against the memory limit).
    public static let maxArchiveBytes = 8 << 30

    /// Opens `path`. With `loadValues` false, weights get their shapes but zero values (enough for `inspect`).
    public static func open(_ path: String, loadValues: Bool = true) throws -> KerasModelFile {
        switch try sniff(path) {
        case .zip: return try KerasArchiveReader.open(path, loadValues: loadValues)
        case .hdf5: return try HDF5ModelReader.open(path, loadValues: loadValues)
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

    static func attach(weightsFile path: String, entries: [ModelEntry]) throws -> WeightAttachment {
        switch try sniff(path) {
        case .zip: return try KerasArchiveReader.attach(path, entries: entries)
        case .hdf5: return try HDF5ModelReader.attach(path, entries: entries)
        case .savedModel(let dir): return try SavedModelReader.attach(dir, entries: entries)
        case .tfCheckpoint(let prefix): return try TFCheckpointReader.attach(prefix, entries: entries, label: path)
        }
    }

    enum Kind: Equatable { case zip, hdf5, savedModel(String), tfCheckpoint(String) }

    /// Zip magic → `.keras`; anything else is handed to HDF5 (which finds signatures after user blocks).
    static func sniff(_ path: String) throws -> Kind {
        if let dir = SavedModelReader.directory(of: path) { return .savedModel(dir) }
        if let prefix = TensorBundle.prefix(of: path) { return .tfCheckpoint(prefix) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw KerasIOError(file: path, "no such file")
        }
        guard !isDir.boolValue else { throw KerasIOError(file: path, "is a directory, not a Keras file") }
        guard let h = FileHandle(forReadingAtPath: path) else { throw KerasIOError(file: path, "cannot be read") }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 8)) ?? Data()
        guard !head.isEmpty else { throw KerasIOError(file: path, "is empty (0 bytes), not a Keras file") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        return .hdf5
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
