import Graph
import Tensor

/// Which feature maps of a layer to project.
public enum FeatureSelection: Equatable, Sendable {
    /// One channel by index.
    case channel(Int)
    /// The channel with the largest mean activation (the default, as in Figures 2 and 3).
    case strongest
    /// The `n` channels with the largest mean activations.
    case top(Int)
}

/// What the backward pass starts from at the chosen layer.
public enum ProjectionSeed: String, CaseIterable, Sendable {
    /// Zeiler & Fergus: the chosen feature map's own activations, all other maps zero.
    case activation
    /// The gradient of the map's summed activation (all ones on the chosen map).
    case ones
}

/// One feature map projected back to pixel space.
public struct Projection: Sendable {
    public let layer: String
    public let channel: Int
    /// Mean activation of the map for the image (how strongly it fired).
    public let meanActivation: Double
    /// The projection, shape (1, H, W, C) of the model input.
    public let pixels: Tensor
}

/// DeconvNet (Zeiler & Fergus 2014), guided backprop (Springenberg et al. 2015) and plain
/// gradients for any graph: the reverse network is the graph walked backwards with a rule,
/// so residual models (ResNet50) work exactly as plain ones.
public struct FeatureProjector {
    public let graph: Graph

    public init(graph: Graph) throws {
        try graph.checkRunnable()
        self.graph = graph
    }

    /// Layers worth projecting by default: convolutions and poolings, in depth order.
    public var defaultLayers: [String] {
        graph.nodes.filter { n in
            guard n.outputShape.count == 3 else { return false }
            switch n.layer.role {
            case .convolution, .pooling: return true
            default: return false
            }
        }.map(\.name)
    }

    /// Projects the selected maps of each layer for one image (batch 1). The forward pass runs once.
    public func project(_ image: Tensor, layers: [String], selection: FeatureSelection = .strongest,
                        rule: BackwardRule = .deconvnet, seed: ProjectionSeed = .activation) throws -> [Projection] {
        guard image.batch == 1 else { throw GraphError.badInput("projection takes one image, got a batch of \(image.batch)") }
        let nodes = try layers.map { try graph.resolve($0) }
        var ctx = ForwardContext()
        let pass = try graph.forward([image], targets: nodes.map(\.id), record: true, context: &ctx)
        var out: [Projection] = []
        for node in nodes {
            let act = graph.channelsLastValue(pass.value(node.id)!, node: node.id)   // (1, …, C) whatever the layout
            let channels = act.shape.last ?? 1
            let means = channelMeans(act)
            let chosen: [Int]
            switch selection {
            case .channel(let k):
                guard k >= 0 && k < channels else {
                    throw GraphError.badInput("layer '\(node.name)' has \(channels) channels; channel \(k) is out of range")
                }
                chosen = [k]
            case .strongest: chosen = [means.indices.max { means[$0] < means[$1] }!]
            case .top(let n): chosen = Array(means.indices.sorted { means[$0] > means[$1] }.prefix(max(1, n)))
            }
            for k in chosen {
                let s = graph.nodeLayout(seedTensor(act, channel: k, seed: seed), node: node.id)
                let back = try graph.backward(seeds: [node.id: s], pass: pass, rule: rule)
                out.append(Projection(layer: node.name, channel: k, meanActivation: means[k], pixels: back.inputGradients[0]))
            }
        }
        return out
    }

    /// Projects a single unit (position and channel) of a layer: the Zeiler & Fergus "top-9" view.
    public func projectUnit(_ image: Tensor, layer: String, channel: Int, y: Int, x: Int,
                            rule: BackwardRule = .deconvnet) throws -> Tensor {
        let node = try graph.resolve(layer)
        var ctx = ForwardContext()
        let pass = try graph.forward([image], targets: [node.id], record: true, context: &ctx)
        let act = graph.channelsLastValue(pass.value(node.id)!, node: node.id)       // (1, h, w, C) whatever the layout
        var s = Tensor(zeros: act.shape)
        let (h, w, c) = (act.shape[1], act.shape[2], act.shape[3])
        // Negative coordinates are outside too (they used to pass this check and index out of bounds).
        guard (0..<c).contains(channel), (0..<h).contains(y), (0..<w).contains(x) else { throw GraphError.badInput("unit (\(y), \(x), \(channel)) is outside \(act.shape)") }
        let i = (y * w + x) * c + channel
        s.data[i] = act.data[i]
        return try graph.backward(seeds: [node.id: graph.nodeLayout(s, node: node.id)], pass: pass, rule: rule).inputGradients[0]
    }

    private func seedTensor(_ act: Tensor, channel k: Int, seed: ProjectionSeed) -> Tensor {
        var s = Tensor(zeros: act.shape)
        let c = act.shape.last ?? 1
        for i in stride(from: k, to: act.count, by: c) { s.data[i] = seed == .ones ? 1 : act.data[i] }
        return s
    }
}

/// Mean of each channel (last axis) over all other positions.
public func channelMeans(_ t: Tensor) -> [Double] {
    let c = t.shape.last ?? 1
    var sums = [Double](repeating: 0, count: c)
    t.data.withUnsafeBufferPointer { p in
        for i in stride(from: 0, to: p.count, by: c) { for k in 0..<c { sums[k] += Double(p[i + k]) } }
    }
    let n = Double(max(t.count / max(c, 1), 1))
    return sums.map { $0 / n }
}
