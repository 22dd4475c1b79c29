import Foundation
import Graph
import Imaging
import Tensor

/// What `convscope activations` reports.
public struct ActivationsReport: Codable {
    public var layer: String
    public var shape: [Int]
    public var npy: String
    public var png: String?
    public var min: Double
    public var max: Double
    public var mean: Double
    /// For a layer with several outputs (an RNN's `return_state`, Bidirectional with `merge_mode=None`): its
    /// further outputs, nodes `<layer>#1` …, each written beside the first.
    public var outputs: [ActivationsReport]?
}

public enum Activations {
    /// Writes the output of any layer (nested ones as `outer/inner`) for one input as `.npy` (and a feature-map grid
    /// PNG with `png`). `path`: the one input's file; `named`: one file per input of a model with several.
    public static func run(model: LoadedModel, input path: String?, named: [NamedInput] = [], options: ImageOptions, layer: String,
                           out: String, png: Bool) throws -> ActivationsReport {
        let input = try options.loadInputs(path.map { [$0] } ?? [], named: named, for: model)
        let node = try model.imageGraph.resolve(layer)
        let further = model.imageGraph.nodes.filter { $0.layer is LayerOutput && $0.inputs == [node.id] }
        var ctx = ForwardContext()
        let pass = try model.imageGraph.forward(input.tensors, targets: [node.id] + further.map(\.id), context: &ctx)
        let act = pass.value(node.id)!
        let isFolder = !out.lowercased().hasSuffix(".npy")
        let folder = try OutputFolder(isFolder ? out : (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent)
        let base = OutputFolder.safe(node.name)
        let npyName = isFolder ? base + ".npy" : (out as NSString).lastPathComponent
        let npyPath = try folder.npy(act, npyName)
        var pngPath: String?
        if png {
            let act = model.imageGraph.channelsLastValue(act, node: node.id)        // maps drawn (batch, h, w, channels) whatever the layout
            guard act.rank == 4 else { throw CommandError("layer '\(node.name)' output \(act.shape) is not a feature map; --png needs (batch, h, w, channels)") }
            let zoom = max(1, 48 / max(1, act.shape[1]))
            let grid = Montage.featureMaps(act, columns: Int(Double(act.shape[3]).squareRoot().rounded(.up)), zoom: zoom)
            pngPath = try folder.png(grid, (npyName as NSString).deletingPathExtension + ".png")
        }
        let outputs = try further.map { n -> ActivationsReport in
            let y = pass.value(n.id)!
            let name = isFolder ? OutputFolder.safe(n.name) + ".npy"
                : (npyName as NSString).deletingPathExtension + String(n.name.dropFirst(node.name.count)) + ".npy"
            return ActivationsReport(layer: n.name, shape: y.shape, npy: try folder.npy(y, name), png: nil,
                                     min: Double(y.min), max: Double(y.max), mean: y.mean(), outputs: nil)
        }
        return ActivationsReport(layer: node.name, shape: act.shape, npy: npyPath, png: pngPath,
                                 min: Double(act.min), max: Double(act.max), mean: act.mean(), outputs: outputs.isEmpty ? nil : outputs)
    }
}
