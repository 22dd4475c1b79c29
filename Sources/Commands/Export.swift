import Foundation
import KerasIO

/// What `convscope export` reports (Schemas/export.schema.json).
public struct ExportReport: Codable {
    public var input: String
    /// Generation of the input file.
    public var inputGeneration: String
    /// Built-in architecture the weights were paired with, if any.
    public var arch: String?
    public var output: String
    /// The format asked for ("same" resolved to the input's own).
    public var requestedFormat: String
    public var written: KerasWriteSummary
}

/// What dtype `export` stores variables in.
public enum ExportDtype: String, CaseIterable, Sendable {
    /// As the source stored them: float16 and bfloat16 stay half precision (Keras 3 layouts), the rest float32.
    case stored
    /// Everything float32.
    case float32
}

public enum Export {
    /// Reads `path` (a full model, or weights paired with `arch`) and writes it as `format` to `out`.
    /// `weights`: a weights file loaded onto the architecture `path` holds; `dequantize`: write a quantized model's float form.
    /// `maxShardBytes`: shard size for `--format weights.json`; `dtype`: keep half precision or write float32.
    /// `tfjs`: how `--format tfjs` stores weights; refused with any other format when it is not the default.
    public static func run(path: String, arch: String?, weights: String? = nil, format: KerasFormatChoice, out: String,
                           maxShardBytes: Int? = nil, dtype: ExportDtype = .stored, dequantize: Bool = false,
                           tfjs: TFJSExportOptions = TFJSExportOptions()) throws -> ExportReport {
        let loaded = try ModelLoader.load(path, arch: arch, weights: weights,
                                          loadValues: (arch == nil && weights == nil) || dequantize, warn: false)
        let model = dequantize ? try loaded.dequantized() : loaded
        let chosen = try model.exportFormat(format, out: nil)
        if chosen != .tfjs && tfjs != TFJSExportOptions() {
            throw CommandError("--quantize and --shard-size apply to --format tfjs only (the format here is \(chosen.rawValue))")
        }
        let summary = try model.write(chosen, to: out, keepHalfPrecision: dtype == .stored, maxShardBytes: maxShardBytes, tfjs: tfjs)
        return ExportReport(input: weights ?? path, inputGeneration: model.file?.generation.rawValue ?? "", arch: model.arch, output: out,
                            requestedFormat: format.rawValue, written: summary)
    }

    public static func render(_ r: ExportReport) -> String {
        let w = r.written
        var s = "wrote \(r.output): \(w.format.rawValue) (\(w.generation.rawValue)"
        if let v = w.kerasVersion { s += ", keras_version \(v)" }
        if let b = w.backend { s += ", backend \(b)" }
        s += "), \(w.layerCount) layers, \(w.weightCount) weight arrays, \(formatCount(w.parameterCount)) parameters, \(formatCount(w.bytes)) bytes"
        if w.fullModel { s += "; config \(w.config)" }
        if let shards = w.shards { s += "; \(shards.count) shard\(shards.count == 1 ? "" : "s"): \(shards.joined(separator: ", "))" }
        s += "\nfrom \(r.input) (\(r.inputGeneration)\(r.arch.map { ", --arch \($0)" } ?? ""))"
        return s
    }
}
