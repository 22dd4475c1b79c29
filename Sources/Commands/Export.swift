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
    /// `weights`: a weights file loaded onto the architecture `path` holds.
    public static func run(path: String, arch: String?, weights: String? = nil, format: KerasFormatChoice, out: String) throws -> ExportReport {
        let model = try ModelLoader.load(path, arch: arch, weights: weights, loadValues: arch == nil && weights == nil, warn: false)
        let chosen = try model.exportFormat(format, out: nil)
        let summary = try model.write(chosen, to: out)
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
        s += "\nfrom \(r.input) (\(r.inputGeneration)\(r.arch.map { ", --arch \($0)" } ?? ""))"
        return s
    }
}
