import FileSupport
import Foundation
import Graph
import KerasIO
import ONNXExport

/// What `convscope export --format onnx` reports (Schemas/export-onnx.schema.json).
public struct ONNXExportReport: Codable {
    public var input: String
    public var inputGeneration: String
    public var arch: String?
    public var layout: String
    public var batch: String
    public var written: ONNXWriteSummary
    /// `--check`: onnxruntime beside ConvScope's forward on a seeded input.
    public var check: ONNXParityCheck?
}

/// The parity `--check` measured (filled by the caller that runs the pinned Python).
public struct ONNXParityCheck: Codable {
    /// max |onnxruntime − ConvScope| / max |ConvScope|, the largest over the outputs; nil when not run.
    public var maxRelativeDifference: Double?
    /// The same measure on the pre-softmax scores (the model written again without its final softmax),
    /// nil when the model does not end in a softmax.
    public var logitsMaxRelativeDifference: Double?
    /// Why it was not run (no pinned Python) or what onnxruntime said.
    public var note: String?
    public init(maxRelativeDifference: Double?, logitsMaxRelativeDifference: Double? = nil, note: String?) {
        self.maxRelativeDifference = maxRelativeDifference
        self.logitsMaxRelativeDifference = logitsMaxRelativeDifference
        self.note = note
    }
}

/// `--format onnx`'s settings.
public struct ONNXExportSettings {
    public var opset: Int
    public var batch: ONNXBatch
    public var layout: ONNXTensorLayout
    public var dequantize: Bool
    public init(opset: Int = ONNXExportOptions.defaultOpset, batch: ONNXBatch = .dynamic, layout: ONNXTensorLayout = .keras, dequantize: Bool = false) {
        self.opset = opset
        self.batch = batch
        self.layout = layout
        self.dequantize = dequantize
    }
}

public enum ExportONNX {
    /// Reads `path` (or weights paired with `arch`) and writes it as ONNX to `out`; returns the report and
    /// the loaded model (for a parity check).
    public static func run(path: String, arch: String?, weights: String? = nil, out: String,
                           settings: ONNXExportSettings = ONNXExportSettings()) throws -> (report: ONNXExportReport, model: LoadedModel) {
        let loaded = try ModelLoader.load(path, arch: arch, weights: weights, loadValues: true, warn: false)
        let model = settings.dequantize ? try loaded.dequantized() : loaded
        let source = weights ?? path
        var metadata: [(key: String, value: String)] = [("source_file", URL(fileURLWithPath: source).lastPathComponent)]
        if let digest = try SHA256.hex(ofFile: source) { metadata.append(("source_sha256", digest)) }
        if let v = model.file?.kerasVersion { metadata.append(("keras_version", v)) }
        if let a = arch { metadata.append(("arch", a)) }
        metadata.append(("convscope_version", ConvScopeVersion.current))
        let proto = try ONNXExporter.model(of: model.graph, options: options(settings, model: model, metadata: metadata))
        let written = try ONNXFile.write(proto, to: out)
        let report = ONNXExportReport(input: source, inputGeneration: model.file?.generation.rawValue ?? "", arch: model.arch,
                                      layout: settings.layout.rawValue, batch: settings.batch.description, written: written, check: nil)
        return (report, model)
    }

    /// The exporter's options for `model` (its file's activation dialect) under `settings`.
    public static func options(_ settings: ONNXExportSettings, model: LoadedModel, metadata: [(key: String, value: String)] = []) -> ONNXExportOptions {
        ONNXExportOptions(opset: settings.opset, batch: settings.batch, layout: settings.layout, dequantize: settings.dequantize,
                          dialect: model.file?.generation.activationDialect ?? .keras3, metadata: metadata)
    }

    /// The printed report; with `--check` its last line is
    /// `check: onnxruntime vs ConvScope on a seeded input: largest relative difference D[; logits L]`,
    /// `L` the same measure on the pre-softmax scores when the model ends in a softmax (near-zero
    /// probabilities make the outputs' difference say little), or `check: not run: REASON`.
    public static func render(_ r: ONNXExportReport) -> String {
        let w = r.written
        var s = "wrote \(w.path): ONNX opset \(w.opset) (IR \(w.irVersion)), \(w.nodes) nodes, \(w.initializers) initializers, "
        s += "\(formatCount(w.parameters)) parameters, \(formatCount(w.bytes)) bytes, layout \(r.layout), batch \(r.batch)"
        if let d = w.externalData { s += "; external data \(d)" }
        s += "\nfrom \(r.input) (\(r.inputGeneration)\(r.arch.map { ", --arch \($0)" } ?? ""))"
        if let c = r.check {
            if let d = c.maxRelativeDifference {
                s += "\ncheck: onnxruntime vs ConvScope on a seeded input: largest relative difference \(String(format: "%.3g", d))"
                if let l = c.logitsMaxRelativeDifference { s += "; logits \(String(format: "%.3g", l))" }
            } else {
                s += "\ncheck: not run: \(c.note ?? "")"
            }
        }
        return s
    }
}
