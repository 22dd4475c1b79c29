import Foundation
import Graph
import Imaging
import Tensor

/// `--input NAME=FILE`: the file for one named input of a model with several.
public struct NamedInput: Sendable, Equatable {
    public let name: String
    public let path: String

    public init(name: String, path: String) { self.name = name; self.path = path }

    /// `NAME=FILE`; nil without a name before the first `=` or without a file after it.
    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex, argument.index(after: eq) != argument.endIndex else { return nil }
        self.init(name: String(argument[..<eq]), path: String(argument[argument.index(after: eq)...]))
    }
}

extension ImageOptions {
    /// The inputs of any model: files for its one input (images for an image model, `.npy` for any), or one
    /// `--input NAME=FILE` per input of a model with several. A `.npy` of any numeric dtype is taken as is, with or
    /// without the batch axis (decided against the input's declared shape).
    public func loadInputs(_ paths: [String], named: [NamedInput], for model: LoadedModel) throws -> ModelInput {
        let graph = model.graph
        let inputNames = graph.inputNodes.map { graph.nodes[$0].name }
        let listed = inputNames.joined(separator: ", ")
        if named.isEmpty {
            guard inputNames.count == 1 else {
                throw CommandError("model '\(graph.name)' has \(inputNames.count) inputs (\(listed)); give one --input NAME=FILE per input")
            }
            if model.inputShape.count == 3 { return try load(paths, for: model) }
            guard !paths.isEmpty else { throw CommandError("no input files given") }
            let batches = try paths.map { try Self.readBatch($0, for: graph.nodes[graph.inputNodes[0]]) }
            if let other = batches.first(where: { $0.shape.dropFirst() != batches[0].shape.dropFirst() }) {
                throw CommandError("the input files hold items of different shapes: \(Array(batches[0].shape.dropFirst())) and \(Array(other.shape.dropFirst()))")
            }
            let names = zip(paths, batches).flatMap { p, t in t.batch == 1 ? [p] : (0..<t.batch).map { "\(p)[\($0)]" } }
            return ModelInput(tensors: [Tensor.stack(batches.flatMap { t in (0..<t.batch).map { t.item($0) } })],
                              images: names.map { _ in nil }, mode: .none, names: names)
        }
        guard paths.isEmpty else { throw CommandError("give the input files either as arguments or as --input NAME=FILE, not both") }
        var byName: [String: String] = [:]
        for n in named {
            guard inputNames.contains(n.name) else { throw CommandError("--input \(n.name)=…: model '\(graph.name)' has no input '\(n.name)' (inputs: \(listed))") }
            guard byName.updateValue(n.path, forKey: n.name) == nil else { throw CommandError("--input \(n.name) is given twice (inputs: \(listed))") }
        }
        let missing = inputNames.filter { byName[$0] == nil }
        guard missing.isEmpty else { throw CommandError("no --input for \(missing.joined(separator: ", ")) (inputs: \(listed))") }
        var tensors = try graph.inputNodes.map { try Self.readBatch(byName[graph.nodes[$0].name]!, for: graph.nodes[$0]) }
        if model.imageGraph !== graph { tensors = tensors.map(channelsLast) }     // the one (C, H, W) input, as images
        let batch = tensors[0].batch
        guard tensors.allSatisfy({ $0.batch == batch }) else {
            throw CommandError("the inputs hold different numbers of items: \(zip(inputNames, tensors).map { "\($0) \($1.batch)" }.joined(separator: ", "))")
        }
        let label = inputNames.map { "\($0)=\(byName[$0]!)" }.joined(separator: " ")
        let names = batch == 1 ? [label] : (0..<batch).map { "\(label)[\($0)]" }
        return ModelInput(tensors: tensors, images: names.map { _ in nil }, mode: .none, names: names)
    }

    /// A `.npy` file as a batch for `input`: the declared shape alone gains a batch axis of one.
    static func readBatch(_ path: String, for input: Node) throws -> Tensor {
        let want = input.outputShape
        let shown = want.map { $0 < 0 ? "?" : String($0) }.joined(separator: ", ")
        guard path.lowercased().hasSuffix(".npy") else {
            throw CommandError("\(path): input '\(input.name)' takes tensors of shape (\(shown)), not images; give a .npy file")
        }
        let t = try NPY.read(path)
        func fits(_ s: ArraySlice<Int>) -> Bool { s.count == want.count && zip(want, s).allSatisfy { $0 < 0 || $0 == $1 } }
        if fits(t.shape[...]) { return t.reshaped([1] + t.shape) }
        if t.rank > 0, fits(t.shape.dropFirst()), t.shape[0] > 0 { return t }
        throw CommandError("\(path): tensor of shape \(t.shape) does not fit input '\(input.name)': expected (\(shown)) or (batch, \(shown))")
    }
}
