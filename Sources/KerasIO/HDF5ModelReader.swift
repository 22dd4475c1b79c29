import Foundation
import Graph
import HDF5
import Tensor

/// Reads Keras HDF5 files: legacy full models, legacy weights-only files, Keras 3 `.weights.h5`.
enum HDF5ModelReader {
    enum Layout { case legacyFull, legacyWeights, keras3Weights }

    /// Where the HDF5 bytes are: a file on disk, or an image in memory (from a `.keras` zip).
    enum Source {
        case path(String)
        case image(Data)
    }

    static func openFile(_ source: Source, label: String) throws -> (H5File, H5Group) {
        let f: H5File
        switch source {
        case .path(let path): f = try H5Reading.guarded(label) { try H5File.open(path) }
        case .image(let bytes): f = try MemoryFile.open(bytes: bytes, label: label)
        }
        let root = try H5Reading.guarded(label, "/") { try f.root }
        // Links are refused wherever they are, before anything is read.
        try H5Reading.refuseLinks(in: root, file: label)
        return (f, root)
    }

    static func layout(_ root: H5Group, label: String) throws -> Layout {
        try H5Reading.guarded(label, "/") {
            if try root.hasAttribute("model_config") {
                guard try root.hasChild("model_weights") else {
                    throw KerasIOError(file: label, object: "model_weights", "missing: the file has a model_config but no model_weights group")
                }
                return .legacyFull
            }
            if try root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") { return .legacyWeights }
            if try root.hasChild("layers") || root.hasChild("vars") { return .keras3Weights }
            throw KerasIOError(file: label, "HDF5 file without model_config, layer_names or a Keras 3 'layers' group: not a Keras model or weights file")
        }
    }

    static func open(_ path: String, loadValues: Bool) throws -> KerasModelFile {
        try open(.path(path), loadValues: loadValues, label: path)
    }

    static func open(_ source: Source, loadValues: Bool, label: String, keras3Config: JSON? = nil,
                     archive: (version: String?, entries: [String], compile: JSON?)? = nil) throws -> KerasModelFile {
        let (file, root) = try openFile(source, label: label)
        defer { file.close() }
        let read: (StoredWeight) throws -> [Float] = { w in
            loadValues ? try H5Reading.readFloats(root, path: w.path, file: label) : Tensor.zeroFilled(w.count)
        }
        var notes: [String] = []
        let lay: Layout = keras3Config != nil ? .keras3Weights : try layout(root, label: label)
        switch lay {
        case .legacyFull, .legacyWeights:
            let wg = lay == .legacyFull ? try H5Reading.guarded(label, "model_weights") { try root.group("model_weights") } : root
            var version = try H5Reading.guarded(label, "/") { try H5Reading.string(root, "keras_version") }
            var backend = try H5Reading.guarded(label, "/") { try H5Reading.string(root, "backend") }
            if version == nil { version = try H5Reading.guarded(label, wg.path) { try H5Reading.string(wg, "keras_version") } }
            if backend == nil { backend = try H5Reading.guarded(label, wg.path) { try H5Reading.string(wg, "backend") } }
            let stored = try LegacyWeightsReader.read(group: wg, file: label)
            let sample = stored.lazy.flatMap(\.weights).first?.name
            var gen = KerasFile.legacyGeneration(version: version, backend: backend, sampleWeightName: sample)
            let names = stored.flatMap(\.weights).map(\.name)
            if lay == .legacyWeights, version == nil, backend == nil, names.contains(where: { GenerationEvidence.isKeras1Name(($0 as NSString).lastPathComponent) }) { gen = .keras1 }
            var model: KerasModel?
            var attachment: WeightAttachment?
            var training: TrainingSummary?
            if lay == .legacyFull {
                let text = try H5Reading.guarded(label, "model_config") { try H5Reading.string(root, "model_config") }
                guard let text else { throw KerasIOError(file: label, object: "model_config", "is not a string attribute") }
                if version == nil, text.contains("\"nb_filter\"") || text.contains("\"dim_ordering\"") { gen = .keras1 }
                if loadValues { try WeightMemory.check(stored, file: label) }
                let parser = ModelConfigParser(file: label, isKeras1: gen == .keras1, dialect: gen.activationDialect)
                let m = try parser.parse(text: text)
                var att = WeightAttacher(file: label, read: read)
                att.valuesLoaded = loadValues
                let orientation = KerasFile.orientation(gen, backend: backend)
                att.kernels = KernelLayout(keras1: gen == .keras1, flipped: orientation != .tensorflow)
                try att.attachLegacy(stored, to: m.layers, byName: false)
                model = m
                attachment = att.report
                notes += m.notes + att.report.notes
                if let t = try H5Reading.guarded(label, "training_config", { try H5Reading.string(root, "training_config") }) {
                    let j = try parseJSON(t, label: label, object: "training_config")
                    training = KerasFile.trainingSummary(j)
                }
            }
            let (hasOpt, optBytes) = try optimizerState(root, group: "optimizer_weights", label: label)
            let orient = KerasFile.orientation(gen, backend: backend)
            if orient != .tensorflow { notes.append("convolution kernels are stored \(orient.rawValue); read as (kh, kw, in, out) cross-correlation kernels") }
            var file = KerasModelFile(path: label, generation: gen, kerasVersion: version, backend: backend,
                                  isFullModel: lay == .legacyFull, hasOptimizerState: hasOpt, optimizerStateBytes: optBytes,
                                  training: training, kernelOrientation: orient, model: model,
                                  storedWeights: StoredWeights(layers: stored), attachment: attachment, notes: notes,
                                  archiveEntries: nil, storedLayers: stored)
            file.generationEvidence = GenerationEvidence.describe(version: version, backend: backend, weightNames: names, generation: gen)
            return file
        case .keras3Weights:
            let stored = try Keras3WeightsReader.read(root: root, file: label)
            var model: KerasModel?
            var attachment: WeightAttachment?
            var training: TrainingSummary?
            if let cfg = keras3Config {
                if loadValues { try WeightMemory.check(stored, file: label) }
                let m = try ModelConfigParser(file: label.replacingOccurrences(of: ":model.weights.h5", with: ""))
                    .parse(json: cfg, object: "config.json")
                var att = WeightAttacher(file: label, read: read)
                att.valuesLoaded = loadValues
                try att.attachKeras3(stored, to: m.layers)
                model = m
                attachment = att.report
                notes += m.notes + att.report.notes
                if let c = archive?.compile, !c.isNull { training = KerasFile.trainingSummary(c) }
            }
            let (hasOpt, optBytes) = try optimizerState(root, group: "optimizer", label: label)
            let isArchive = archive != nil
            return KerasModelFile(path: isArchive ? label.replacingOccurrences(of: ":model.weights.h5", with: "") : label,
                                  generation: isArchive ? .keras3Keras : .keras3Weights,
                                  kerasVersion: archive?.version, backend: nil, isFullModel: isArchive,
                                  hasOptimizerState: hasOpt, optimizerStateBytes: optBytes, training: training,
                                  kernelOrientation: .tensorflow, model: model, storedWeights: StoredWeights(layers: stored),
                                  attachment: attachment, notes: notes, archiveEntries: archive?.entries, storedLayers: stored)
        }
    }

    static func attach(_ source: Source, entries: [ModelEntry], label: String, legacyByName: Bool = true) throws -> WeightAttachment {
        let (file, root) = try openFile(source, label: label)
        defer { file.close() }
        let read: (StoredWeight) throws -> [Float] = { try H5Reading.readFloats(root, path: $0.path, file: label) }
        var att = WeightAttacher(file: label, read: read)
        switch try layout(root, label: label) {
        case .legacyFull:
            let wg = try H5Reading.guarded(label, "model_weights") { try root.group("model_weights") }
            let stored = try LegacyWeightsReader.read(group: wg, file: label)
            try WeightMemory.check(stored, file: label)
            att.kernels = try kernelLayout(root: root, group: wg, stored: stored, label: label)
            try att.attachLegacy(stored, to: entries, byName: legacyByName)
        case .legacyWeights:
            let stored = try LegacyWeightsReader.read(group: root, file: label)
            try WeightMemory.check(stored, file: label)
            att.kernels = try kernelLayout(root: root, group: root, stored: stored, label: label)
            try att.attachLegacy(stored, to: entries, byName: legacyByName)
        case .keras3Weights:
            let stored = try Keras3WeightsReader.read(root: root, file: label)
            try WeightMemory.check(stored, file: label)
            try att.attachKeras3(stored, to: entries)
        }
        return att.report
    }

    /// How a legacy weights file paired with an architecture lays out its variables: Keras 1 (by its version, or
    /// by Keras 1 weight names when it has none: per-gate recurrent matrices, (out, in, …) kernels) and Theano.
    static func kernelLayout(root: H5Group, group: H5Group, stored: [StoredLayer], label: String) throws -> KernelLayout {
        var version = try H5Reading.guarded(label, "/") { try H5Reading.string(root, "keras_version") }
        var backend = try H5Reading.guarded(label, "/") { try H5Reading.string(root, "backend") }
        if version == nil { version = try H5Reading.guarded(label, group.path) { try H5Reading.string(group, "keras_version") } }
        if backend == nil { backend = try H5Reading.guarded(label, group.path) { try H5Reading.string(group, "backend") } }
        let names = stored.flatMap(\.weights).map(\.name)
        var gen = KerasFile.legacyGeneration(version: version, backend: backend, sampleWeightName: names.first)
        if version == nil, backend == nil, names.contains(where: { GenerationEvidence.isKeras1Name(($0 as NSString).lastPathComponent) }) { gen = .keras1 }
        return KernelLayout(keras1: gen == .keras1, flipped: KerasFile.orientation(gen, backend: backend) != .tensorflow)
    }

    static func parseJSON(_ text: String, label: String, object: String) throws -> JSON {
        do { return try JSONParser(maxDepth: 512).parse(text) } catch {
            throw KerasIOError(file: label, object: object, "unreadable JSON: \(error)")
        }
    }

    /// Whether `group` exists and how many bytes its datasets hold.
    static func optimizerState(_ root: H5Group, group: String, label: String) throws -> (Bool, Int) {
        try H5Reading.guarded(label, group) {
            guard try root.hasChild(group) else { return (false, 0) }
            let g = try root.group(group)
            var bytes = 0
            var any = false
            try g.walk { e in
                guard e.link.kind == .dataset else { return }
                let d = try root.dataset(e.path)
                any = true
                bytes += d.declaredByteCount ?? 0
            }
            return (any, bytes)
        }
    }
}

/// `.keras`: config.json, metadata.json and model.weights.h5 read from the zip in memory.
enum KerasArchiveReader {
    static func load(_ path: String) throws -> (KerasArchive, Data?) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= KerasFile.maxArchiveBytes else { throw KerasIOError(file: path, "archive of \(size) bytes is over the limit") }
        let a = try KerasArchive(file: path)
        if KerasNPZ.isNPZ(entries: a.entryNames) { throw KerasNPZ.refusal(file: path, member: "") }
        if a.entries["model.weights.h5"] == nil, a.entries["model.weights.npz"] != nil {
            throw KerasNPZ.refusal(file: path, member: "model.weights.npz")
        }
        return (a, try a.read("model.weights.h5"))
    }

    static func open(_ path: String, loadValues: Bool) throws -> KerasModelFile {
        let (a, weights) = try load(path)
        guard let cfgData = try a.read("config.json", limit: KerasArchive.maxTextBytes) else {
            throw KerasIOError(file: path, object: "config.json", "missing from the archive")
        }
        let cfg = try HDF5ModelReader.parseJSON(String(decoding: cfgData, as: UTF8.self), label: path, object: "config.json")
        var version: String?
        if let md = try a.read("metadata.json", limit: KerasArchive.maxTextBytes) {
            version = try HDF5ModelReader.parseJSON(String(decoding: md, as: UTF8.self), label: path, object: "metadata.json")["keras_version"]?.stringValue
        }
        guard let weights else {
            throw KerasIOError(file: path, object: "model.weights.h5", "missing from the archive")
        }
        return try HDF5ModelReader.open(.image(weights), loadValues: loadValues, label: path + ":model.weights.h5",
                                        keras3Config: cfg, archive: (version, a.entryNames, cfg["compile_config"]))
    }

    static func attach(_ path: String, entries: [ModelEntry], legacyByName: Bool) throws -> WeightAttachment {
        let (_, weights) = try load(path)
        guard let weights else { throw KerasIOError(file: path, object: "model.weights.h5", "missing from the archive") }
        return try HDF5ModelReader.attach(.image(weights), entries: entries, label: path + ":model.weights.h5", legacyByName: legacyByName)
    }
}
