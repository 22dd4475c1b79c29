import Graph

/// The numbers of one node (one application of a layer) for a batch: operations, the bytes of its
/// output, and its receptive field. nil where a shape is unknown (a sequence of unknown length) or
/// the kind has no cost rule (an opaque layer).
public struct LayerCost: Equatable, Sendable {
    /// The node's id and unique name in the graph.
    public var node: Int
    public var name: String
    public var macs: Int?
    public var otherOps: Int?
    /// The node's output (all its outputs' bytes live in their own `LayerOutput` nodes) at its dtype.
    public var activationBytes: Int?
    public var receptiveField: ReceptiveField?
}

/// What a forward pass of a graph costs for a batch: per node, in total, and the peak of the
/// activations alive at once when the executor (`Graph.forward` without tapes) frees each output
/// after its last consumer. `analyze(graph:batch:)` is the one entry point.
public struct ModelCost: Sendable {
    public var batch: Int
    /// One per graph node, in graph order.
    public var layers: [LayerCost]
    public var macs: Int
    public var otherOps: Int
    /// Every node's output, the inputs included (an input's node holds the caller's tensor).
    public var activationBytes: Int
    /// The largest sum of live activations during a forward pass in the executor's release order.
    public var peakActivationBytes: Int
    /// Nodes whose cost is unknown (left out of the totals).
    public var unknown: [String]

    /// The cost of a forward pass of `graph` over a batch of `batch` samples; `elementBytes` gives a
    /// node's bytes per output element where it differs from float32's 4 (a float16 compute dtype).
    public static func analyze(graph: Graph, batch: Int = 1, elementBytes: [Int: Int] = [:]) -> ModelCost {
        var layers: [LayerCost] = []
        var fields: [ReceptiveField?] = []
        var unknown: [String] = []
        for n in graph.nodes {
            let inShapes = n.inputs.map { graph.nodes[$0].outputShape }
            let known = !n.outputShape.contains { $0 < 0 } && !inShapes.joined().contains { $0 < 0 }
            let shapes = CostShapes(inputs: inShapes, output: n.outputShape)
            var cost = LayerCost(node: n.id, name: n.name)
            let field: ReceptiveField?
            if graph.inputNodes.contains(n.id) {
                field = n.outputShape.count >= 2 && known ? .unit(spatialAxes: n.outputShape.count - 1) : nil
            } else {
                field = known ? (n.layer as? any CostRule)?.receptiveField(n.inputs.map { fields[$0] }, shapes) : nil
            }
            fields.append(field)
            if known, let count = (n.layer as? any CostRule)?.opCount(shapes) {
                cost.macs = mul(count.macs, batch)
                cost.otherOps = mul(count.otherOps, batch)
                cost.activationBytes = mul(elements(n.outputShape), batch, elementBytes[n.id] ?? 4)
                cost.receptiveField = field
            } else {
                unknown.append(n.name)
            }
            layers.append(cost)
        }
        return ModelCost(batch: batch, layers: layers, macs: layers.reduce(0) { add($0, $1.macs ?? 0) },
                         otherOps: layers.reduce(0) { add($0, $1.otherOps ?? 0) },
                         activationBytes: layers.reduce(0) { add($0, $1.activationBytes ?? 0) },
                         peakActivationBytes: peak(graph, layers), unknown: unknown)
    }

    /// `Graph.forward`'s order without tapes: only the outputs' ancestors run, in node order; a node's
    /// output (and its further outputs, the `LayerOutput` nodes reading it) is allocated when it runs,
    /// while its inputs are alive; an output is freed after its last consumer ran, the graph's outputs
    /// never. The inputs are the caller's tensors, alive throughout; an input node's and a
    /// `LayerOutput` node's own value is that tensor, not a new one.
    static func peak(_ graph: Graph, _ costs: [LayerCost]) -> Int {
        let needed = graph.ancestors(of: graph.outputNodes)
        var remaining = [Int](repeating: 0, count: graph.nodes.count)
        for n in graph.nodes where needed.contains(n.id) { for i in n.inputs { remaining[i] += 1 } }
        let keep = Set(graph.outputNodes)
        let bytes = costs.map { $0.activationBytes ?? 0 }
        let extraOutputs = graph.nodes.map { n in graph.nodes.filter { $0.layer is LayerOutput && $0.inputs == [n.id] && needed.contains($0.id) }.map(\.id) }
        var live = graph.inputNodes.reduce(0) { add($0, bytes[$1]) }
        var alive = Set(graph.inputNodes)
        var peak = live
        for n in graph.nodes where needed.contains(n.id) && !graph.inputNodes.contains(n.id) {
            if !(n.layer is LayerOutput) {
                let made = [n.id] + extraOutputs[n.id]
                live = made.reduce(live) { add($0, bytes[$1]) }
                alive.formUnion(made)
                peak = max(peak, live)
            }
            for i in n.inputs {
                remaining[i] -= 1
                if remaining[i] == 0 && !keep.contains(i) && !graph.inputNodes.contains(i) && alive.remove(i) != nil { live -= bytes[i] }
            }
            if remaining[n.id] == 0 && !keep.contains(n.id) && alive.remove(n.id) != nil { live -= bytes[n.id] }
        }
        return peak
    }
}
