import Foundation
import Graph
import Tensor

/// What a TF.js layers model holds besides the Keras model: its writer and each weight's storage.
public struct TFJSFacts: Codable, Equatable, Sendable {
    public struct Weight: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        /// `uint8`, `uint16`, `float16`, or nil when stored as `dtype`.
        public var quantization: String?
        public var min: Double?
        public var scale: Double?
        public var bytes: Int
    }
    /// `model.json`'s `format` (absent before tfjs 1.0), `generatedBy`, `convertedBy`.
    public var format: String?
    public var generatedBy: String?
    public var convertedBy: String?
    /// Which writer's form: converter output, pre-1.0 converter output, or saved by TensorFlow.js itself.
    public var form: String
    public var weightFiles: [String]
    public var weights: [Weight]
    /// Bytes the weight files hold, and what the same weights take as float32.
    public var storedBytes: Int
    public var float32Bytes: Int
}

/// Reads a TF.js layers model (`model.json` + weight files) into the same (config, weights) pair as every
/// other container. Weights are matched to layers by name, as tfjs-layers does: a weight belongs to the
/// layer named by its first name component (or its second, after the model's own name, as Keras 3
/// conversions write), in manifest order; `lstm/lstm_cell/kernel` and `lstm/kernel` both reach `lstm`.
enum TFJSModelReader {
    static func open(_ path: String, loadValues: Bool) throws -> KerasModelFile {
        let manifest = try TFJSManifest(path: path)
        let label = manifest.file
        let isKeras3 = KerasConfigConversion.isKeras3(manifest.config)
        let parser = ModelConfigParser(file: label, isKeras1: false, dialect: isKeras3 ? .keras3 : .legacy)
        let model = try parser.parse(json: manifest.config, object: "modelTopology")
        let modelEntries = manifest.entries.filter { $0.group != "optimizer" }
        let keras3 = TFJSKeras3Names.storedLayers(modelEntries)
        let stored = keras3 ?? storedLayers(modelEntries)
        if loadValues { try WeightMemory.check(stored, file: label) }
        let data = loadValues ? try manifest.shardData() : Data()
        let byName = Dictionary(modelEntries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let read: (StoredWeight) throws -> [Float] = { w in
            guard loadValues, let e = byName[w.path] else { return Tensor.zeroFilled(w.count) }
            return manifest.values(of: e, in: data)
        }
        var att = WeightAttacher(file: label, read: read)
        if keras3 != nil {
            try att.attachKeras3(stored, to: model.layers)
        } else {
            try attach(stored.flatMap(\.weights), to: model, attacher: &att)
        }
        var notes = model.notes + att.report.notes
        let optimizerCount = manifest.entries.count - modelEntries.count
        if optimizerCount > 0 { notes.append("\(optimizerCount) optimizer weights in the manifest are not loaded") }
        let need = manifest.entries.last.map { $0.offset + $0.bytes } ?? 0
        if manifest.shardBytes > need {
            notes.append("the weight files hold \(manifest.shardBytes - need) bytes after the last weight the manifest declares; ignored, as TensorFlow.js ignores them")
        }
        var file = KerasModelFile(
            path: label, generation: .tfjsLayers, kerasVersion: manifest.kerasVersion, backend: manifest.backend,
            isFullModel: true, hasOptimizerState: optimizerCount > 0,
            optimizerStateBytes: manifest.entries.filter { $0.group == "optimizer" }.reduce(0) { $0 + $1.bytes },
            training: manifest.trainingConfig.map(KerasFile.trainingSummary), kernelOrientation: .tensorflow, model: model,
            storedWeights: StoredWeights(layers: stored), attachment: att.report, notes: notes, archiveEntries: nil,
            storedLayers: stored)
        file.tfjs = facts(manifest)
        return file
    }

    static func facts(_ m: TFJSManifest) -> TFJSFacts {
        TFJSFacts(format: m.format, generatedBy: m.generatedBy, convertedBy: m.convertedBy, form: m.form, weightFiles: m.paths,
                  weights: m.entries.map {
                      .init(name: $0.name, shape: $0.shape, dtype: $0.dtype, quantization: $0.quantization?.rawValue,
                            min: $0.min, scale: $0.scale, bytes: $0.bytes)
                  },
                  storedBytes: m.shardBytes, float32Bytes: m.entries.reduce(0) { $0 + $1.count * 4 })
    }

    /// Manifest weights grouped by their first name component, in manifest order (the stored view `inspect` lists).
    static func storedLayers(_ entries: [TFJSManifest.Entry]) -> [StoredLayer] {
        var layers: [StoredLayer] = []
        var index: [String: Int] = [:]
        for e in entries {
            let layer = e.name.split(separator: "/").first.map(String.init) ?? e.name
            let w = StoredWeight(layer: layer, name: e.name, shape: e.shape, dtype: e.quantization.map { "\($0.rawValue) (\(e.dtype))" } ?? e.dtype,
                                 path: e.name)
            if let i = index[layer] { layers[i].weights.append(w) } else {
                index[layer] = layers.count
                layers.append(StoredLayer(name: layer, key: layer, weights: [w], children: nil))
            }
        }
        return layers
    }

    /// Assigns named weights to the model's layers (nested models included) by layer name; every layer with
    /// variables must find its weights, and a weight no layer takes is reported.
    static func attach(_ weights: [StoredWeight], to model: KerasModel, attacher att: inout WeightAttacher) throws {
        try attach(weights, entries: model.layers, modelNames: [model.name], attacher: &att)
    }

    static func attach(_ weights: [StoredWeight], entries: [ModelEntry], modelNames: Set<String>,
                       attacher att: inout WeightAttacher) throws {
        var names = modelNames
        func collect(_ es: [ModelEntry]) { for e in es where e.isModel { names.insert(e.name); collect(e.children ?? []) } }
        collect(entries)
        var taken = Set<String>()
        for leaf in entries.flatMap(\.flattenedLayers) {
            guard let layer = leaf.layer else { continue }
            let mine = weights.filter { w in
                guard !taken.contains(w.name) else { return false }
                let comps = w.name.split(separator: "/").map(String.init)
                guard comps.count >= 2 else { return false }
                if comps[0] == leaf.name { return true }
                return comps.count >= 3 && names.contains(comps[0]) && comps[1] == leaf.name
            }
            if mine.isEmpty {
                if !(layer is OpaqueLayer) && !layer.weights.isEmpty {
                    throw KerasIOError(file: att.file, object: "layer '\(leaf.path)'",
                                       "the manifest has no weights named '\(leaf.name)/…' for this \(leaf.className)", kind: .architectureMismatch)
                }
                continue
            }
            taken.formUnion(mine.map(\.name))
            try att.assign(ordered(mine, for: layer, className: leaf.className), to: layer, path: leaf.path,
                           className: leaf.className, config: leaf.config, keras3Names: false)
        }
        let unused = weights.filter { !taken.contains($0.name) }
        if !unused.isEmpty {
            att.report.unusedStored += unused.map(\.name)
            att.report.notes.append("\(unused.count) manifest weights match no layer and are not loaded: \(unused.prefix(5).map(\.name).joined(separator: ", "))")
        }
    }

    /// A layer's weights in its variable order when their short names say it unambiguously; manifest order otherwise
    /// (which is Keras' order within one layer).
    static func ordered(_ ws: [StoredWeight], for layer: any Layer, className: String) -> [StoredWeight] {
        let want = layer.weights.map { LayerRegistry.kerasVariableName($0.name, className: className, naming: .legacy) }
        let short = ws.map(\.shortName)
        guard want.count == ws.count, Set(want).count == want.count, Set(short) == Set(want) else { return ws }
        return want.map { n in ws[short.firstIndex(of: n)!] }
    }
}

extension TFJSModelReader {
    /// A TF.js model's weights onto an architecture built elsewhere (`--arch`), by layer name.
    static func attach(_ path: String, entries: [ModelEntry]) throws -> WeightAttachment {
        let manifest = try TFJSManifest(path: path)
        let modelEntries = manifest.entries.filter { $0.group != "optimizer" }
        let keras3 = TFJSKeras3Names.storedLayers(modelEntries)
        let stored = keras3 ?? storedLayers(modelEntries)
        try WeightMemory.check(stored, file: manifest.file)
        let data = try manifest.shardData()
        let byName = Dictionary(modelEntries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var att = WeightAttacher(file: manifest.file) { w in
            byName[w.path].map { manifest.values(of: $0, in: data) } ?? Tensor.zeroFilled(w.count)
        }
        if keras3 != nil {
            try att.attachKeras3(stored, to: entries)
        } else {
            try attach(stored.flatMap(\.weights), entries: entries, modelNames: [], attacher: &att)
        }
        return att.report
    }
}

extension TFJSModelReader {
    /// `inspect --weights`: statistics of every manifest weight as TensorFlow.js dequantizes it.
    static func statistics(_ path: String) throws -> [WeightStatistics] {
        let manifest = try TFJSManifest(path: path)
        let data = try manifest.shardData()
        let entries = Dictionary(manifest.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let stored = TFJSKeras3Names.storedLayers(manifest.entries) ?? storedLayers(manifest.entries)
        return StoredWeights(layers: stored).weights.map { w in
            var acc = WeightStatistics.Accumulator()
            if let e = entries[w.path] { acc.add(manifest.values(of: e, in: data)) }
            return acc.result(layer: w.layer, name: w.name, shape: w.shape, dtype: w.dtype)
        }
    }
}
