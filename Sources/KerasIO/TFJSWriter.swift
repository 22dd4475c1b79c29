import FileSupport
import Foundation
import Graph

/// How `export --format tfjs` stores the weights.
public struct TFJSExportOptions: Equatable, Sendable {
    /// Quantize every float32 weight (nil: keep float32).
    public var quantize: TFJSQuantization?
    /// Largest weight file; the converter's default is 4 MiB.
    public var shardSize: Int

    public static let defaultShardSize = 4 * 1024 * 1024

    public init(quantize: TFJSQuantization? = nil, shardSize: Int = TFJSExportOptions.defaultShardSize) {
        self.quantize = quantize
        self.shardSize = shardSize
    }
}

extension KerasWriter {
    /// The version `convertedBy` names.
    static let tfjsConverterName = "ConvScope (tensorflowjs_converter 4.22.0 layers-model form)"

    /// The files of a TF.js layers model as `tensorflowjs_converter` writes it: `model.json` (tf-keras config in
    /// `modelTopology.model_config`, Keras 3 configs converted to that form, which tfjs-layers reads) and
    /// `group1-shard<i>of<n>.bin`, weights named `<layer>/<weight>` as in a tf-keras h5 without `:0`.
    func tfjsFiles(_ options: TFJSExportOptions, label: String) throws -> ([(String, Data)], KerasWriteSummary) {
        guard options.shardSize > 0 else { throw KerasIOError(file: label, "--shard-size must be positive") }
        let (cfg, how) = try config(keras3: false, label: label)
        let version = version(for: .tfkeras)
        var blob = Data()
        var specs: [JSON] = []
        var params = 0
        for e in model.layers {
            for w in legacyWeights(e, style: .tfkeras) {
                var name = w.name
                if name.hasSuffix(":0") { name.removeLast(2) }
                var spec = JSONObject([("name", .string(name)), ("shape", .array(w.value.shape.map { .number(Double($0)) })),
                                       ("dtype", "float32")])
                if let q = options.quantize {
                    let (bytes, mn, scale) = q.quantize(w.value.data)
                    var qo = JSONObject([("dtype", .string(q.rawValue))])
                    if let mn, let scale { qo["min"] = .number(mn); qo["scale"] = .number(scale) }
                    qo["original_dtype"] = "float32"
                    spec["quantization"] = .object(qo)
                    blob.append(contentsOf: bytes)
                } else {
                    w.value.data.withUnsafeBytes { blob.append(contentsOf: $0) }
                }
                specs.append(.object(spec))
                params += w.value.count
            }
        }
        let n = (blob.count + options.shardSize - 1) / options.shardSize
        var files: [(String, Data)] = []
        for i in 0..<n {
            let lo = i * options.shardSize, hi = min(blob.count, lo + options.shardSize)
            files.append(("group1-shard\(i + 1)of\(n).bin", blob.subdata(in: lo..<hi)))
        }
        let topo: JSON = ["keras_version": .string(version), "backend": .string(backend), "model_config": cfg]
        let manifest: JSON = specs.isEmpty ? [] : [["paths": .array(files.map { .string($0.0) }), "weights": .array(specs)]]
        let modelJSON: JSON = ["format": "layers-model", "generatedBy": .string("keras v" + version),
                               "convertedBy": .string(Self.tfjsConverterName), "modelTopology": topo,
                               "weightsManifest": manifest]
        let text = Data(modelJSON.serialized().utf8)
        let summary = KerasWriteSummary(format: .tfjs, generation: .tfjsLayers, kerasVersion: version, backend: backend,
                                        fullModel: true, config: how, layerCount: model.layers.count, weightCount: specs.count,
                                        parameterCount: params, bytes: text.count + blob.count)
        return ([("model.json", text)] + files, summary)
    }

    /// Writes the TF.js model folder atomically (temporary folder, then rename); an existing TF.js model folder is replaced.
    func writeTFJS(_ options: TFJSExportOptions, to path: String) throws -> KerasWriteSummary {
        let (files, summary) = try tfjsFiles(options, label: path)
        do {
            try AtomicFolder.write(files, to: URL(fileURLWithPath: path)) { url in
                FileManager.default.fileExists(atPath: url.appendingPathComponent("model.json").path)
            }
        } catch let e as AtomicFile.WriteError {
            throw KerasIOError(file: path, e.message)
        }
        return summary
    }
}
