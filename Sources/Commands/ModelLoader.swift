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
    /// The graph the image commands run (`Graph.imageView`): `graph` itself, or for a channels-first image
    /// model the same layers after a node taking (H, W, C) images to (C, H, W).
    public let imageGraph: Graph

    public init(graph: Graph, model: KerasModel, file: KerasModelFile?, arch: String?, attachment: WeightAttachment?) {
        self.graph = graph; self.model = model; self.file = file; self.arch = arch; self.attachment = attachment
        // The view re-adds the same layers to the shapes they were built for: it cannot fail where `graph` was built.
        imageGraph = (try? graph.imageView()) ?? graph
    }

    /// Number of classes of the first output (1000 for ImageNet models), nil when not a vector.
    public var classCount: Int? {
        let s = graph.nodes[graph.outputNodes[0]].outputShape
        return s.count == 1 ? s[0] : nil
    }

    /// The first input's shape as the commands take it: (height, width, channels) for an image model, channels-first or not.
    public var inputShape: [Int] { imageGraph.nodes[imageGraph.inputNodes[0]].outputShape }
}

/// Opens a model file for the commands: full models as saved; weights-only files with `--arch`.
/// Every command that reads a model goes through here.
public enum ModelLoader {
    /// `warn`: print the file's warnings (settings Keras does not write) on stderr, where every running command shows them.
    /// `arch`: a built-in architecture name, or a file holding one (model JSON, `config.json`, `.keras`, full `.h5`).
    /// `weights`: a weights file (any form) loaded onto the architecture `path` holds, as `weights --arch path` would.
    public static func load(_ path: String, arch: String?, weights: String? = nil, loadValues: Bool = true, warn: Bool = true) throws -> LoadedModel {
        if let weights {
            guard arch == nil else {
                throw CommandError("--weights loads \(weights) onto the architecture in \(path); --arch names another architecture: give one of them")
            }
            return try load(weights, arch: path, loadValues: loadValues, warn: warn)
        }
        try KerasFile.preflight(path)
        let file = try KerasFile.open(path, loadValues: loadValues)
        if let arch, !Zoo.names.contains(arch.lowercased()), FileManager.default.fileExists(atPath: arch) {
            try KerasFile.preflight(arch)
            let architecture = try ArchitectureFile(path: arch)
            let attachment = try KerasFile.pair(weightsFile: path, architecture: architecture)
            return LoadedModel(graph: architecture.model.graph, model: architecture.model, file: file, arch: arch, attachment: attachment)
        }
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
            throw CommandError("\(path): holds weights only (\(file.generation.rawValue)); name its architecture with --arch (built in: \(Zoo.names.joined(separator: ", ")); or a model JSON, config.json, .keras or full .h5)",
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
    /// Keras 3 config and the file's provenance, a model read from a file as that file's. `keepHalfPrecision`:
    /// variables the source stored as float16/bfloat16 stay so in the Keras 3 layouts; `maxShardBytes`: the shard
    /// size of `weights.json` (Keras' 5 GB when nil).
    @discardableResult
    public func write(_ format: KerasExportFormat, to out: String, keepHalfPrecision: Bool = true, maxShardBytes: Int? = nil,
                      tfjs: TFJSExportOptions = TFJSExportOptions()) throws -> KerasWriteSummary {
        var writer: KerasWriter
        if arch != nil {
            writer = KerasWriter(model: model, sourceGeneration: file?.generation, sourceVersion: file?.kerasVersion, sourceBackend: file?.backend)
        } else if let file {
            writer = try KerasWriter(file: file)
        } else {
            writer = KerasWriter(model: model)
        }
        writer.tfjsOptions = tfjs
        if format.isFullModel && writer.config == nil {
            throw CommandError("\(file.map { "\($0.path): " } ?? "")no model config to write as \(format.rawValue); choose weights-h5 or weights.h5")
        }
        if keepHalfPrecision, let file, let sources = attachment?.sources {
            let dtypeOf = Dictionary(file.storedWeights.weights.map { ($0.path, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            writer.storedDtypes = sources.mapValues { $0.map { dtypeOf[$0] ?? "float32" } }
        }
        if format == .keras3ShardedWeights {
            return try writer.writeSharded(to: out, maxShardBytes: maxShardBytes ?? KerasWriter.defaultMaxShardBytes)
        }
        if maxShardBytes != nil { throw CommandError("--max-shard-size applies to --format weights.json only") }
        return try writer.write(format, to: out)
    }
}
