import Graph
import Tensor

/// Class saliency maps: Simonyan et al. (gradient of the pre-softmax score), guided backprop,
/// and Grad-CAM (Selvaraju et al.: channel weights = spatial mean of the score's gradient at a layer).
public struct SaliencyMapper {
    public enum Method: String, CaseIterable, Sendable { case gradient, guided, gradcam }

    public let logits: Graph

    public init(graph: Graph) throws {
        try graph.checkRunnable()
        logits = try graph.logitGraph()
    }

    /// Pre-softmax scores for one image.
    public func scores(_ image: Tensor) throws -> [Float] { try scores([image]) }

    /// Pre-softmax scores (the first output) for one item given to every input of the model.
    public func scores(_ inputs: [Tensor]) throws -> [Float] {
        var ctx = ForwardContext()
        return try logits.forward(inputs, context: &ctx).values[logits.outputNodes[0]]!.data
    }

    /// Gradient (or guided) saliency: d score_c / d input, shape of the input.
    public func inputGradient(_ image: Tensor, classIndex c: Int, rule: BackwardRule) throws -> Tensor {
        try inputGradients([image], classIndex: c, rule: rule)[0]
    }

    /// d score_c / d input for every input of the model, each in its input's shape.
    public func inputGradients(_ inputs: [Tensor], classIndex c: Int, rule: BackwardRule) throws -> [Tensor] {
        var ctx = ForwardContext()
        let out = logits.outputNodes[0]
        let pass = try logits.forward(inputs, targets: [out], record: true, context: &ctx)
        let y = pass.value(out)!
        try checkClass(c, y)
        var seed = Tensor(zeros: y.shape)
        seed.data[c] = 1
        return try logits.backward(seeds: [out: seed], pass: pass, rule: rule).inputGradients
    }

    /// Grad-CAM heat map at `layer` (default: the last layer with a spatial output), shape (h, w) of that layer, ReLU'd.
    public func gradCAM(_ image: Tensor, classIndex c: Int, layer: String? = nil) throws -> (map: Tensor, layer: String) {
        let node: Node
        if let layer { node = try logits.resolve(layer) } else {
            guard let last = logits.nodes.last(where: { $0.outputShape.count == 3 && !($0.layer is InputLayer) && !($0.layer is ChannelsToFirst) }) else {
                throw GraphError.badInput("the model has no spatial layer for Grad-CAM")
            }
            node = last
        }
        guard node.outputShape.count == 3 else { throw GraphError.badInput("layer '\(node.name)' has no spatial output for Grad-CAM") }
        var ctx = ForwardContext()
        let out = logits.outputNodes[0]
        let pass = try logits.forward([image], targets: [out, node.id], record: true, context: &ctx)
        let y = pass.value(out)!
        try checkClass(c, y)
        var seed = Tensor(zeros: y.shape)
        seed.data[c] = 1
        // Gradient at the layer: seed the output, stop at the layer by reading the accumulated gradient there.
        let grads = try logits.backward(seeds: [out: seed], pass: pass, rule: .gradient, captureAt: [node.id])
        guard let g = grads.captured[node.id] else { throw GraphError.badInput("layer '\(node.name)' does not reach the output") }
        let a = logits.channelsLastValue(pass.value(node.id)!, node: node.id)      // (1, h, w, C) whatever the layout
        let weights = channelMeans(logits.channelsLastValue(g, node: node.id))
        let (h, w, ch) = (a.shape[1], a.shape[2], a.shape[3])
        var map = Tensor(zeros: [h, w])
        for p in 0..<(h * w) {
            var s = 0.0
            for k in 0..<ch { s += weights[k] * Double(a.data[p * ch + k]) }
            map.data[p] = Float(max(s, 0))
        }
        return (map, node.name)
    }

    private func checkClass(_ c: Int, _ y: Tensor) throws {
        guard y.rank == 2, c >= 0, c < y.shape[1] else {
            throw GraphError.badInput("class \(c) is out of range: the model has \(y.shape.last ?? 0) outputs")
        }
    }
}
