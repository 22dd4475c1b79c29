import FileSupport
import Foundation
import Graph
import HDF5
import Tensor
import ZIPFoundation

/// File layouts `KerasWriter` produces.
public enum KerasExportFormat: String, CaseIterable, Codable, Sendable {
    /// Keras 3 legacy full model (`model.save("x.h5")` in Keras 3).
    case keras3H5 = "keras3-h5"
    /// tf-keras legacy full model (`:0` weight names, tf-keras config); Keras 2 conventions when the source was Keras 2.
    case tfkerasH5 = "tfkeras-h5"
    /// Legacy weights only (tf-keras `save_weights("x.h5")`: `layer_names` on the root).
    case weightsH5 = "weights-h5"
    /// Keras 3 `.weights.h5` (`layers/<snake_case_class>[_N]/vars/<i>`).
    case keras3Weights = "weights.h5"
    /// Keras 3 `.keras` zip (metadata.json, config.json, model.weights.h5).
    case keras = "keras"
    /// Keras 3 sharded weights: `*.weights.json` manifest + `*_NNNNN.weights.h5` shards (`--max-shard-size`).
    case keras3ShardedWeights = "weights.json"
    /// TensorFlow.js layers model: a folder with model.json and group1-shard*.bin (`tensorflowjs_converter` form).
    case tfjs = "tfjs"

    /// The format that keeps a file's generation and layout (`file` names it in the refusal of Keras 1).
    public static func same(as generation: KerasGeneration, isFullModel: Bool, file: String = "") throws -> KerasExportFormat {
        switch generation {
        case .keras1:
            throw KerasIOError(file: file, "Keras 1 files cannot be written back (their configs predate every Keras that loads h5 today); choose --format", kind: .unsupported)
        case .keras2, .tfkeras: return isFullModel ? .tfkerasH5 : .weightsH5
        case .keras3H5: return .keras3H5
        case .keras3Weights: return .keras3Weights
        case .keras3Keras: return .keras
        case .tfjsLayers: return .tfjs
        case .tfkerasSavedModel, .tfCheckpoint:
            throw KerasIOError(file: file, "writing a SavedModel or a TensorFlow checkpoint needs a TensorFlow graph and is out of scope; choose --format (keras, keras3-h5, tfkeras-h5, weights.h5, weights-h5)", kind: .unsupported)
        }
    }

    public var isFullModel: Bool { self == .keras3H5 || self == .tfkerasH5 || self == .keras || self == .tfjs }
}

/// What a write produced.
public struct KerasWriteSummary: Codable, Equatable, Sendable {
    public var format: KerasExportFormat
    /// Generation label of the written file (what `KerasFile.open` reports for it).
    public var generation: KerasGeneration
    public var kerasVersion: String?
    public var backend: String?
    /// Whether a model config was written (full-model formats).
    public var fullModel: Bool
    /// How the config was obtained: "reused" (as read), "converted from Keras 3", "converted to Keras 3", or "none".
    public var config: String
    /// Top-level entries of model.layers written.
    public var layerCount: Int
    /// Weight arrays written.
    public var weightCount: Int
    public var parameterCount: Int
    /// Bytes written (every shard and the manifest for sharded weights).
    public var bytes: Int
    /// Sharded weights: the shard files written beside the manifest.
    public var shards: [String]? = nil
}

/// Writes a model (graph, config, weights) as a Keras file, atomically.
public struct KerasWriter {
    /// Versions written for each generation when the source had none of that generation.
    public static let keras3Version = "3.15.1"
    public static let tfKerasVersion = "2.21.0"

    /// Conventions of legacy h5 files.
    enum LegacyStyle { case keras2, tfkeras, keras3 }

    public let model: KerasModel
    /// The model config (`{"class_name", "config"}`) describing `model`.
    public let config: JSON?
    /// Generation of the file the model came from (nil for a zoo model).
    public let sourceGeneration: KerasGeneration?
    public let sourceVersion: String?
    public let sourceBackend: String?
    /// Stored dtype of each variable by layer path (from the file the weights came from): float16 and bfloat16
    /// are written back as such in the Keras 3 layouts; empty writes float32 throughout.
    public var storedDtypes: [String: [String]] = [:]
    /// How `.tfjs` stores the weights.
    public var tfjsOptions = TFJSExportOptions()

    public init(model: KerasModel, config: JSON? = nil, sourceGeneration: KerasGeneration? = nil,
                sourceVersion: String? = nil, sourceBackend: String? = nil) {
        self.model = model
        self.config = config ?? model.sourceConfig
        self.sourceGeneration = sourceGeneration
        self.sourceVersion = sourceVersion
        self.sourceBackend = sourceBackend
    }

    /// The writer for a model read from a file: its config, generation and versions are kept.
    public init(file: KerasModelFile) throws {
        guard let m = file.model else {
            throw KerasIOError(file: file.path, "holds weights only; pair it with an architecture to write it")
        }
        self.init(model: m, config: m.sourceConfig, sourceGeneration: file.generation,
                  sourceVersion: file.kerasVersion, sourceBackend: file.backend)
    }

    // MARK: Writing

    /// Writes `format` to `path` atomically (temp file in the same folder, fsync, rename).
    @discardableResult
    public func write(_ format: KerasExportFormat, to path: String) throws -> KerasWriteSummary {
        if sourceGeneration == .keras1 {
            throw KerasIOError(file: path, "Keras 1 models cannot be written: their configs and Theano kernels load in no current Keras", kind: .unsupported)
        }
        if format != .keras && format != .keras3Weights && format != .keras3ShardedWeights {
            // Keras 3's legacy .h5 holds int8 and int4 layers (its load_model reads them back); float8's .h5 it cannot
            // reload, and tf-keras has no quantized layers at all.
            let readable: Set<QuantizationPolicy.Mode> = format == .keras3H5 ? [.int8, .int4] : []
            if let (q, mode) = QuantizedStorageCheck.firstQuantized(model.layers, except: readable) {
                let why = format == .keras3H5 ? "Keras 3.15.1 cannot load back the \(mode.rawValue) .h5 it writes"
                                              : "tf-keras has no quantized layers (keras3-h5 holds int8 and int4 ones)"
                throw KerasIOError(file: path, "layer '\(q)' is \(mode.rawValue)-quantized, which \(format.rawValue) cannot hold: \(why); choose .keras or .weights.h5, or export with --dequantize", kind: .unsupported)
            }
            if let bf = storedDtypes.sorted(by: { $0.key < $1.key }).first(where: { $0.value.contains("bfloat16") })?.key {
                throw KerasIOError(file: path, "layer '\(bf)' stores bfloat16, which a legacy .h5 cannot hold: Keras writes it there as untagged 2-byte data its own load_model refuses (\"No cast function available\"); export with --dtype float32, or choose .keras or .weights.h5", kind: .unsupported)
            }
        }
        if format == .tfkerasH5 || format == .tfjs, let layer = model.graph.layers.first(where: \.needsKeras3) {
            throw KerasIOError(file: path, "layer '\(layer.name)' (\(layer.className)) has a setting only Keras 3 has (use_gate): "
                               + "write keras, keras3-h5 or a weights format", kind: .unsupported)
        }
        if let refusal = HardSigmoidDialect.refusal(model, source: sourceGeneration?.activationDialect ?? .keras3, format: format) {
            throw KerasIOError(file: path, refusal, kind: .unsupported)
        }
        if format == .keras3H5 || format == .keras,
           let layer = model.graph.layers.first(where: \.needsTFKeras) {
            throw KerasIOError(file: path, "layer '\(layer.name)' (\(layer.className)) is a tf.keras kind Keras 3 does not have: "
                               + "write tfkeras-h5 or a weights format", kind: .unsupported)
        }
        let url = URL(fileURLWithPath: path)
        var summary: KerasWriteSummary
        do {
            switch format {
            case .keras3ShardedWeights:
                return try writeSharded(to: path, maxShardBytes: Self.defaultMaxShardBytes)
            case .keras:
                let (data, s) = try kerasArchive()
                summary = s
                try AtomicFile.write(data: data, to: url)
            case .tfjs:
                summary = try writeTFJS(tfjsOptions, to: path)
            default:
                var s: KerasWriteSummary?
                try AtomicFile.write(to: url) { temp in
                    let f = try H5File.create(temp)
                    defer { f.close() }
                    s = try writeH5(format, into: f.root, label: path)
                    try f.flush()
                }
                summary = s!
            }
        } catch let e as AtomicFile.WriteError {
            throw KerasIOError(file: path, e.message)
        } catch {
            throw H5Reading.convert(error, file: path)
        }
        if format != .tfjs { summary.bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0 }
        return summary
    }

    /// The bytes of `format` without touching the disk (h5 formats via an in-memory HDF5 file).
    public func data(_ format: KerasExportFormat) throws -> Data {
        if format == .keras { return try kerasArchive().0 }
        if format == .tfjs { throw KerasIOError(file: "export", "a TF.js model is a folder of files, not one file's bytes; use write(_:to:)") }
        let f = try H5File.createInMemory(name: "export.h5")
        defer { f.close() }
        _ = try writeH5(format, into: f.root, label: "export.h5")
        return try f.imageBytes()
    }

    func writeH5(_ format: KerasExportFormat, into root: H5Group, label: String) throws -> KerasWriteSummary {
        switch format {
        case .keras3H5: return try writeLegacyFull(root, style: .keras3, label: label)
        case .tfkerasH5: return try writeLegacyFull(root, style: sourceGeneration == .keras2 ? .keras2 : .tfkeras, label: label)
        case .weightsH5: return try writeLegacyWeightsOnly(root, style: sourceGeneration == .keras2 ? .keras2 : .tfkeras)
        case .keras3Weights:
            let (count, params) = try writeKeras3Weights(root)
            return KerasWriteSummary(format: format, generation: .keras3Weights, kerasVersion: nil, backend: nil, fullModel: false,
                                     config: "none", layerCount: model.layers.count, weightCount: count, parameterCount: params, bytes: 0)
        case .keras: throw KerasIOError(file: label, ".keras archives are zips, not HDF5 files; use write(_:to:) or data(_:)")
        case .keras3ShardedWeights: throw KerasIOError(file: label, "sharded weights are several files; use writeSharded(to:maxShardBytes:)")
        case .tfjs: throw KerasIOError(file: label, "TF.js models are folders, not HDF5 files; use write(_:to:)")
        }
    }

    // MARK: Versions and configs

    func version(for style: LegacyStyle) -> String {
        switch style {
        case .keras3: return sourceGeneration == .keras3H5 || sourceGeneration == .keras3Keras ? (sourceVersion ?? Self.keras3Version) : Self.keras3Version
        case .tfkeras: return sourceGeneration == .tfkeras ? (sourceVersion ?? Self.tfKerasVersion) : Self.tfKerasVersion
        case .keras2: return sourceVersion ?? "2.2.4"
        }
    }

    var backend: String {
        if let b = sourceBackend, b != "theano" { return b }
        return "tensorflow"
    }

    /// The config in Keras 3 or tf-keras conventions, and how it was obtained.
    func config(keras3: Bool, label: String) throws -> (JSON, String) {
        guard let config else {
            throw KerasIOError(file: label, "the model has no Keras config to write (only full-model sources and zoo architectures have one)")
        }
        let isK3 = KerasConfigConversion.isKeras3(config)
        if keras3 {
            let converted = isK3 ? config : KerasConfigConversion.toKeras3(config)
            let filled = KerasConfigConversion.fillTensorShapes(converted, from: model)
            return (filled, isK3 ? (filled == config ? "reused" : "reused, tensor shapes filled in") : "converted to Keras 3")
        }
        return isK3 ? (KerasConfigConversion.toTFKeras(config), "converted from Keras 3") : (config, "reused")
    }

    // MARK: Legacy h5

    /// One weight to write: name as listed in `weight_names` (also its dataset path under the layer group).
    struct NamedWeight {
        let name: String
        let value: Tensor
        /// As stored: float32, float16 kept from the source, or a quantized layer's int8/uint8.
        var dtype = "float32"
        var variable: WeightVariable? = nil
    }

    func writeLegacyFull(_ root: H5Group, style: LegacyStyle, label: String) throws -> KerasWriteSummary {
        let (cfg, how) = try config(keras3: style == .keras3, label: label)
        let fixed = style == .keras2
        let version = version(for: style)
        try root.setAttribute("backend", .string(backend), fixedLength: fixed)
        try root.setAttribute("keras_version", .string(version), fixedLength: fixed)
        try root.setAttribute("model_config", .string(cfg.serialized()), fixedLength: fixed)
        let wg = try root.createGroup("model_weights")
        let (count, params) = try writeLegacyWeights(wg, style: style)
        try wg.setAttribute("backend", .string(backend), fixedLength: fixed)
        try wg.setAttribute("keras_version", .string(version), fixedLength: fixed)
        return KerasWriteSummary(format: style == .keras3 ? .keras3H5 : .tfkerasH5,
                                 generation: style == .keras3 ? .keras3H5 : (style == .keras2 ? .keras2 : .tfkeras),
                                 kerasVersion: version, backend: backend, fullModel: true, config: how,
                                 layerCount: model.layers.count, weightCount: count, parameterCount: params, bytes: 0)
    }

    func writeLegacyWeightsOnly(_ root: H5Group, style: LegacyStyle) throws -> KerasWriteSummary {
        let fixed = style == .keras2
        let version = version(for: style)
        try root.setAttribute("backend", .string(backend), fixedLength: fixed)
        try root.setAttribute("keras_version", .string(version), fixedLength: fixed)
        let (count, params) = try writeLegacyWeights(root, style: style)
        return KerasWriteSummary(format: .weightsH5, generation: style == .keras2 ? .keras2 : .tfkeras, kerasVersion: version,
                                 backend: backend, fullModel: false, config: "none", layerCount: model.layers.count,
                                 weightCount: count, parameterCount: params, bytes: 0)
    }

    /// `layer_names`, one group per layer with `weight_names` and the datasets they name.
    func writeLegacyWeights(_ wg: H5Group, style: LegacyStyle) throws -> (Int, Int) {
        let fixed = style == .keras2
        try wg.setStringArrayAttribute("layer_names", model.layers.map(\.name), fixedLength: fixed, split: true)
        var count = 0, params = 0
        for e in model.layers {
            let g = try wg.createGroup(e.name)
            let ws = legacyWeights(e, style: style)
            if ws.isEmpty {
                try g.setAttribute("weight_names", .doubles([]))
                continue
            }
            try g.setStringArrayAttribute("weight_names", ws.map(\.name), fixedLength: fixed, split: true)
            for w in ws {
                switch w.dtype {
                case "float16": try g.createDataset(name: w.name, shape: w.value.shape, floats: w.value.data, storedAs: .float16)
                case "int8", "uint8": try QuantizedStorageCheck.write(w.variable!, dtype: w.dtype, name: w.name, into: g)
                default: try g.createDataset(name: w.name, shape: w.value.shape, floats: w.value.data)
                }
                count += 1
                params += w.value.count
            }
        }
        if style != .keras2 {
            try wg.createGroup("top_level_model_weights").setAttribute("weight_names", .doubles([]))
        }
        return (count, params)
    }

    /// A layer's (or nested model's) weights in Keras' legacy order: trainable ones first, then the rest.
    func legacyWeights(_ e: ModelEntry, style: LegacyStyle) -> [NamedWeight] {
        let suffix = style == .keras3 ? "" : ":0"
        var trainable: [NamedWeight] = []
        var frozen: [NamedWeight] = []
        let leaves: [ModelEntry] = e.isModel ? e.flattenedLayers : [e]
        for leaf in leaves {
            guard let layer = leaf.layer else { continue }
            let live = model.effectiveTrainable(leaf)
            var base = leaf.name
            if !e.isModel && style == .keras3 && KerasConfigJSON.isSequential(model.className) { base = model.name + "/" + base }
            if let cell = LayerRegistry.recurrentCellName(leaf.className) { base += "/" + cell }
            let kept = storedDtypes[leaf.path] ?? []
            let quantized = (layer as? any QuantizedLayer).flatMap { $0.quantization == nil ? nil : $0.storedDTypes }
            for (i, v) in layer.weights.enumerated() {
                var w = NamedWeight(name: base + "/" + LayerRegistry.kerasVariableName(v.name, className: leaf.className, naming: style == .keras3 ? .keras3 : .legacy) + suffix,
                                    value: v.value)
                if i < kept.count && kept[i] == "float16" { w.dtype = "float16" }
                if let q = quantized, i < q.count { w.dtype = q[i]; w.variable = v }
                // A quantized layer's bias is its one trainable variable in Keras (the stored integers and scales are not).
                if (v.trainable || (quantized != nil && v.name == "bias")) && live { trainable.append(w) } else { frozen.append(w) }
            }
        }
        return trainable + frozen
    }

    // MARK: Keras 3 weights

    /// `layers/<key>/vars/<i>` with the `name` attributes Keras 3.15 writes; nested models below their key.
    func writeKeras3Weights(_ root: H5Group) throws -> (Int, Int) {
        try Keras3WeightsPlan(model: model, dtypes: storedDtypes).write(into: root)
    }

    // MARK: .keras

    func kerasArchive() throws -> (Data, KerasWriteSummary) {
        var (cfg, how) = try config(keras3: true, label: "config.json")
        // config.json names the model class the way Keras 3 serialises it.
        if let o = cfg.objectValue, let cls = o["class_name"]?.stringValue, KerasConfigJSON.modelClasses.contains(cls) {
            let functional = !KerasConfigJSON.isSequential(cls)
            var n = JSONObject()
            n["module"] = functional ? "keras.src.models.functional" : "keras"
            n["class_name"] = functional ? "Functional" : "Sequential"
            for (k, v) in o.pairs where k != "module" && k != "class_name" && k != "registered_name" { n[k] = v }
            n["registered_name"] = functional ? "Functional" : .null
            cfg = .object(n)
        }
        let weights: Data
        let counts: (Int, Int)
        do {
            let f = try H5File.createInMemory(name: "model.weights.h5")
            defer { f.close() }
            counts = try writeKeras3Weights(try f.root)
            weights = try f.imageBytes()
        }
        let version = version(for: .keras3)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        let metadata: JSON = ["keras_version": .string(version), "date_saved": .string(formatter.string(from: Date()))]
        let archive: Archive
        do { archive = try Archive(data: Data(), accessMode: .create) } catch {
            throw KerasIOError(file: "", "cannot create an in-memory zip archive (\(error))")
        }
        for (name, bytes) in [("metadata.json", Data(metadata.serialized().utf8)), ("config.json", Data(cfg.serialized().utf8)),
                              ("model.weights.h5", weights)] {
            do {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw KerasIOError(file: "", object: "zip entry '\(name)'", "cannot be added (\(error))")
            }
        }
        guard let data = archive.data else { throw KerasIOError(file: "", "the in-memory zip archive has no data") }
        let summary = KerasWriteSummary(format: .keras, generation: .keras3Keras, kerasVersion: version, backend: nil, fullModel: true,
                                        config: how, layerCount: model.layers.count, weightCount: counts.0,
                                        parameterCount: counts.1, bytes: data.count)
        return (data, summary)
    }
}
