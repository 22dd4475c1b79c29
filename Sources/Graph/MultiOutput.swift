import Tensor

/// Layers with several outputs (issue 15): an RNN with `return_state` ([output, h] or [output, h, c]),
/// `Bidirectional` with `merge_mode=None` ([forward, backward]) or with `return_state`.
///
/// How the graph holds them, with one output per node everywhere else: the layer's node is its output
/// 0, and each further output k is a node of its own whose layer is a `LayerOutput` (named
/// `<layer>#k`, its input the layer's node). The executor keeps outputs 1… of a multi-output node
/// beside its value and hands output k to the `LayerOutput` node as its argument; backward routes a
/// `LayerOutput` node's gradient back to output k of its layer, which then gets the gradients of all
/// its outputs at once (`backwardAll`). So a Keras reference `[layer, node, k]` is node `#k`, and
/// commands that list or pick nodes (predict's model outputs, `activations --layer lstm#1`) see
/// every output without knowing about the rule.
public protocol MultiOutputLayer: MaskAware {
    /// Per-sample shapes of outputs 1, 2, … as built (empty: one output, the layer runs as any other).
    var extraOutputShapes: [[Int]] { get }
    /// Every output in Keras' order; `[0]` is what `forward` returns.
    func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor]
    /// Gradients from the gradient of each output (nil where an output feeds nothing that was seeded).
    func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients
}

/// Output `index` (≥ 1) of a `MultiOutputLayer`, as a node of its own: the executor passes that output
/// as this node's one argument, so forward and backward are the identity. Its mask is the layer's
/// output mask when it has output 0's shape (Bidirectional's second sequence), else none (states).
public final class LayerOutput: MaskAware {
    public static let kerasClassNames = ["LayerOutput"]
    public static let kerasConfigKeys: Set<String> = []
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// The layer whose output this is, and which output (1 …).
    public let source: any MultiOutputLayer
    public let index: Int
    private var sameShapeAsFirst = false

    public init(of source: any MultiOutputLayer, index: Int) {
        self.source = source
        self.index = index
        identity = LayerIdentity(Self.self, name: "\(source.name)#\(index)", config: .object(JSONObject()))
        identity.className = source.className
    }

    public init(name: String, config: JSON) throws {
        throw LayerError(name, "LayerOutput is made by the graph for a layer with several outputs, not from a config")
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard index >= 1, index <= source.extraOutputShapes.count else {
            throw LayerError(source.name, "has \(source.extraOutputShapes.count + 1) outputs, not an output \(index)")
        }
        let shape = source.extraOutputShapes[index - 1]
        sameShapeAsFirst = inputShapes.first == shape
        return shape
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        sameShapeAsFirst ? masks.first ?? nil : nil
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        inputs[0]                                                             // output `index`, picked by the executor
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream])                                    // routed to output `index` by the executor
    }
}

extension Graph {
    /// After `add` of a layer with several outputs: a `LayerOutput` node for each output after the
    /// first. Returns the node of every output, in Keras' order (`[id]` for a one-output layer).
    public func addOutputNodes(of id: Int) throws -> [Int] {
        guard let multi = nodes[id].layer as? any MultiOutputLayer, !multi.extraOutputShapes.isEmpty else { return [id] }
        var ids = [id]
        for k in 1...multi.extraOutputShapes.count {
            ids.append(try add(LayerOutput(of: multi, index: k), inputs: [id], name: "\(nodes[id].name)#\(k)"))
        }
        return ids
    }

    /// Whether node `id` produces several outputs (its layer's extra outputs are `LayerOutput` nodes).
    func hasExtraOutputs(_ id: Int) -> Bool {
        (nodes[id].layer as? any MultiOutputLayer).map { !$0.extraOutputShapes.isEmpty } ?? false
    }
}
