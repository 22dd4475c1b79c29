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

public enum Export {
    /// Reads `path` (a full model, or weights paired with `arch`) and writes it as `format` to `out`.
    /// `tfjs`: how `--format tfjs` stores weights; refused with any other format when it is not the default.
    public static func run(path: String, arch: String?, format: KerasFormatChoice, out: String,
                           tfjs: TFJSExportOptions = TFJSExportOptions()) throws -> ExportReport {
        let model = try ModelLoader.load(path, arch: arch, loadValues: arch == nil, warn: false)
        let chosen = try model.exportFormat(format, out: nil)
        if chosen != .tfjs && tfjs != TFJSExportOptions() {
            throw CommandError("--quantize and --shard-size apply to --format tfjs only (the format here is \(chosen.rawValue))")
        }
        let summary = try model.write(chosen, to: out, tfjs: tfjs)
        return ExportReport(input: path, inputGeneration: model.file?.generation.rawValue ?? "", arch: arch, output: out,
                            requestedFormat: format.rawValue, written: summary)
    }

    public static func render(_ r: ExportReport) -> String {
        let w = r.written
        var s = "wrote \(r.output): \(w.format.rawValue) (\(w.generation.rawValue)"
        if let v = w.kerasVersion { s += ", keras_version \(v)" }
        if let b = w.backend { s += ", backend \(b)" }
        s += "), \(w.layerCount) layers, \(w.weightCount) weight arrays, \(formatCount(w.parameterCount)) parameters, \(formatCount(w.bytes)) bytes"
        if w.fullModel { s += "; config \(w.config)" }
        s += "\nfrom \(r.input) (\(r.inputGeneration)\(r.arch.map { ", --arch \($0)" } ?? ""))"
        return s
    }
}
