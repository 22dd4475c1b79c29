import Foundation
import Graph
import KerasIO
import Zoo

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
    /// Formats accepted by `--format`.
    public static let formatNames = ["same"] + KerasExportFormat.allCases.map(\.rawValue)

    /// Reads `path` (a full model, or weights paired with `arch`) and writes it as `format` to `out`.
    public static func run(path: String, arch: String?, format: String, out: String) throws -> ExportReport {
        try KerasFile.preflight(path)
        let file = try KerasFile.open(path, loadValues: arch == nil)
        let writer: KerasWriter
        if let arch {
            let (graph, config) = try Zoo.model(named: arch)
            let model = KerasModel.wrapping(graph, config: config)
            let attachment = try KerasFile.attach(weightsFile: path, to: model)
            try ModelLoader.requireComplete(attachment, path: path, arch: arch)
            writer = KerasWriter(model: model, config: config, sourceGeneration: file.generation,
                                 sourceVersion: file.kerasVersion, sourceBackend: file.backend)
        } else {
            guard file.model != nil else {
                throw CommandError("\(path): holds weights only (\(file.generation.rawValue)); name its architecture with --arch (\(Zoo.names.joined(separator: ", ")))")
            }
            writer = try KerasWriter(file: file)
        }
        let chosen: KerasExportFormat
        if format == "same" {
            do { chosen = try KerasExportFormat.same(as: file.generation, isFullModel: file.isFullModel) } catch let e as KerasIOError {
                throw CommandError("\(path): \(e.message)")
            }
        } else if let f = KerasExportFormat(rawValue: format) {
            chosen = f
        } else {
            throw CommandError("unknown --format '\(format)' (choose from \(formatNames.joined(separator: ", ")))")
        }
        if chosen.isFullModel && writer.config == nil {
            throw CommandError("\(path): no model config to write as \(chosen.rawValue)")
        }
        let summary = try writer.write(chosen, to: out)
        return ExportReport(input: path, inputGeneration: file.generation.rawValue, arch: arch, output: out,
                            requestedFormat: format, written: summary)
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
