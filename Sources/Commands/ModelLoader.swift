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
public enum ModelLoader {
    public static func load(_ path: String, arch: String?, loadValues: Bool = true) throws -> LoadedModel {
        try KerasFile.preflight(path)
        let file = try KerasFile.open(path, loadValues: loadValues)
        if let arch {
            let graph = try Zoo.graph(named: arch)
            let model = KerasModel.wrapping(graph)
            let attachment = try KerasFile.attach(weightsFile: path, to: model)
            try requireComplete(attachment, path: path, arch: arch)
            return LoadedModel(graph: graph, model: model, file: file, arch: arch, attachment: attachment)
        }
        // Settings Keras does not write are ignored; say so where every command shows it.
        for note in file.notes where note.hasPrefix("warning: ") {
            FileHandle.standardError.write(Data("convscope: \(path): \(note)\n".utf8))
        }
        guard let model = file.model else {
            throw CommandError("\(path): holds weights only (\(file.generation.rawValue)); name its architecture with --arch (\(Zoo.names.joined(separator: ", ")))")
        }
        return LoadedModel(graph: model.graph, model: model, file: file, arch: nil, attachment: file.attachment)
    }

    /// Every layer of the architecture must have received its weights, and every stored weight must have been used.
    static func requireComplete(_ a: WeightAttachment, path: String, arch: String) throws {
        if let m = a.missing.first {
            throw CommandError("\(path): does not fit --arch \(arch): no stored weights for \(m)\(a.missing.count > 1 ? " (and \(a.missing.count - 1) more)" : "")")
        }
        if let u = a.unusedStored.first {
            throw CommandError("\(path): does not fit --arch \(arch): stored weights of \(u) have no place in the architecture\(a.unusedStored.count > 1 ? " (and \(a.unusedStored.count - 1) more)" : "")")
        }
    }
}
