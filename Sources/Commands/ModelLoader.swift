import Foundation
import Graph
import KerasIO
import Zoo

/// A model ready to run: the graph with its weights, and where it came from.
public struct LoadedModel {
    public let graph: Graph
    public let model: KerasModel
    /// The opened file (nil when the model is a bare zoo architecture).
    public let file: KerasModelFile?
    /// The built-in architecture used, if any.
    public let arch: String?
    public let attachment: WeightAttachment?

    public init(graph: Graph, model: KerasModel, file: KerasModelFile?, arch: String?, attachment: WeightAttachment?) {
        self.graph = graph; self.model = model; self.file = file; self.arch = arch; self.attachment = attachment
    }

    /// Number of classes of the first output (1000 for ImageNet models), nil when not a vector.
    public var classCount: Int? {
        let s = graph.nodes[graph.outputNodes[0]].outputShape
        return s.count == 1 ? s[0] : nil
    }

    public var inputShape: [Int] { graph.nodes[graph.inputNodes[0]].outputShape }
}

/// Opens a model file for the commands: full models as saved; weights-only files with `--arch`.
/// Every command that reads a model goes through here.
public enum ModelLoader {
    /// `warn`: print the file's warnings (settings Keras does not write) on stderr, where every running command shows them.
    public static func load(_ path: String, arch: String?, loadValues: Bool = true, warn: Bool = true) throws -> LoadedModel {
        try KerasFile.preflight(path)
        let file = try KerasFile.open(path, loadValues: loadValues)
        if let arch {
            let (graph, config) = try Zoo.model(named: arch)
            let (model, attachment) = try KerasFile.pair(weightsFile: path, graph: graph, config: config, arch: arch)
            return LoadedModel(graph: graph, model: model, file: file, arch: arch, attachment: attachment)
        }
        for note in file.notes where warn && note.hasPrefix("warning: ") {
            FileHandle.standardError.write(Data("convscope: \(path): \(note)\n".utf8))
        }
        if file.model == nil, let why = file.unrunnable { throw CommandError(why) }
        guard let model = file.model else {
            throw CommandError("\(path): holds weights only (\(file.generation.rawValue)); name its architecture with --arch (\(Zoo.names.joined(separator: ", ")))",
                               kind: .weightsOnly)
        }
        return LoadedModel(graph: model.graph, model: model, file: file, arch: nil, attachment: file.attachment)
    }
}

extension LoadedModel {
    /// The format `--format` names for this model, checked against the name Keras needs to load it from `out`
    /// when `out` is given.
    public func exportFormat(_ choice: KerasFormatChoice, out: String?) throws -> KerasExportFormat {
        guard let file else {
            if case .format(let f) = choice { try out.map(f.requireLoadableName); return f }
            throw CommandError("--format same needs a model read from a file; choose one of \(KerasFormatChoice.allCases.dropFirst().map(\.rawValue).joined(separator: ", "))")
        }
        let chosen = try choice.resolve(for: file)
        try out.map(chosen.requireLoadableName)
        return chosen
    }

    /// Writes the model with its current weights as `format` to `out`, atomically: a paired architecture with its
    /// Keras 3 config and the file's provenance, a model read from a file as that file's.
    @discardableResult
    public func write(_ format: KerasExportFormat, to out: String) throws -> KerasWriteSummary {
        let writer: KerasWriter
        if arch != nil {
            writer = KerasWriter(model: model, sourceGeneration: file?.generation, sourceVersion: file?.kerasVersion, sourceBackend: file?.backend)
        } else if let file {
            writer = try KerasWriter(file: file)
        } else {
            writer = KerasWriter(model: model)
        }
        if format.isFullModel && writer.config == nil {
            throw CommandError("\(file.map { "\($0.path): " } ?? "")no model config to write as \(format.rawValue); choose weights-h5 or weights.h5")
        }
        return try writer.write(format, to: out)
    }
}
