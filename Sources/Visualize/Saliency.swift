import Graph
import Tensor

/// Class saliency maps: Simonyan et al. (gradient of the pre-softmax score), guided backprop,
/// and Grad-CAM (Selvaraju et al.: channel weights = spatial mean of the score's gradient at a layer); the
/// attribution methods of issue 18 (Integrated Gradients, SmoothGrad/VarGrad, Grad-CAM++, Score-CAM) in their own files.
public struct SaliencyMapper {
    public enum Method: String, CaseIterable, Sendable {
        case gradient, guided, gradcam
        case integratedGradients = "integrated-gradients"
        case smoothgrad, vargrad
        case gradcamPlusPlus = "gradcam++"
        case scorecam

        /// Maps at a layer's resolution (the class activation maps) rather than in input space.
        public var isLayerMap: Bool { [.gradcam, .gradcamPlusPlus, .scorecam].contains(self) }
    }

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
        let node = try camNode(layer)
        let (a, g) = try activationAndGradient(image, classIndex: c, node: node)
        let weights = channelMeans(g)
        return (weightedChannelSum(a, weights: weights), node.name)
    }

    /// The layer a class activation map is taken at: the one named, else the last with a spatial output.
    func camNode(_ layer: String?) throws -> Node {
        let node: Node
        if let layer { node = try logits.resolve(layer) } else {
            guard let last = logits.nodes.last(where: { $0.outputShape.count == 3 && !($0.layer is InputLayer) && !($0.layer is ChannelsToFirst) }) else {
                throw GraphError.badInput("the model has no spatial layer for a class activation map")
            }
            node = last
        }
        guard node.outputShape.count == 3 else { throw GraphError.badInput("layer '\(node.name)' has no spatial output for a class activation map") }
        return node
    }

    /// The layer's activation A and d logit_c / d A, both (1, h, w, K) channels last whatever the layout.
    func activationAndGradient(_ image: Tensor, classIndex c: Int, node: Node) throws -> (a: Tensor, g: Tensor) {
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
        return (logits.channelsLastValue(pass.value(node.id)!, node: node.id), logits.channelsLastValue(g, node: node.id))
    }

    /// relu(Σ_k w_k A_k) over a (1, h, w, K) activation: the (h, w) map every CAM ends with.
    func weightedChannelSum(_ a: Tensor, weights: [Double]) -> Tensor {
        let (h, w, ch) = (a.shape[1], a.shape[2], a.shape[3])
        var map = Tensor(zeros: [h, w])
        for p in 0..<(h * w) {
            var s = 0.0
            for k in 0..<ch { s += weights[k] * Double(a.data[p * ch + k]) }
            map.data[p] = Float(max(s, 0))
        }
        return map
    }

    func checkClass(_ c: Int, _ y: Tensor) throws {
        guard y.rank == 2, c >= 0, c < y.shape[1] else {
            throw GraphError.badInput("class \(c) is out of range: the model has \(y.shape.last ?? 0) outputs")
        }
    }
}
