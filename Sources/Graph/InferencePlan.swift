import FastKernels
import Foundation
import Tensor

/// A graph compiled for inference, as the fast CPU engines run it: each convolution with the layers
/// around it that fold into it (a `ZeroPadding2D` before it into its padding; inference BatchNormalization
/// into its kernel and bias, ReLU and the residual `Add` into its epilogue) runs as one fused oneDNN
/// primitive; max and average pooling run through oneDNN's pooling (`FastPooling`), with a `ZeroPadding2D`
/// right before one folded into its padding where that is exact (after a ReLU'd convolution for a maximum,
/// `FastPooling.folds`); every other layer runs its own forward. Between oneDNN steps activations stay in
/// the layout oneDNN picks (`layout`: NHWC on AVX-512, blocked `nChw8c` on AVX2) in buffers of a plan-owned
/// arena, reordered to NHWC tensors only for a layer's own forward and the targets. Values are released
/// after their last consumer, and a residual's buffer becomes the convolution's output when nothing
/// else reads it.
///
/// Built from the weights as they are when the plan is made; the model's own variables are never
/// changed (training and export keep reading them), so a plan made before training is stale after it.
/// Backward passes, tapes and training-mode passes stay on `Graph.forward`.
public final class InferencePlan {
    /// One convolution and the nodes fused after it; its value is `output`'s.
    struct FusedStep {
        let convolution: Int
        let output: Int
        /// The node whose value the epilogue sums in, if any.
        let residual: Int?
        let geometry: ConvGeometry
        let groups: Int
        let filters: Int
        let kernel: [Float]
        let epilogue: ConvolutionEpilogue
        /// Nodes computed by this step (the convolution, folded layers, `output`).
        let covers: [Int]
        /// The `ZeroPadding2D` before the convolution folded into its padding, if any.
        let zeroPadding: (node: Int, pad: [Int])?
        /// The node the convolution reads: its own input, or the folded padding's.
        let input: Int
    }

    /// A value between steps: a tensor (NHWC, what layers' own forward reads) or one of the arena's
    /// buffers in the layout the oneDNN step that made it chose.
    enum Stored {
        case tensor(Tensor)
        case buffer(ActivationArena.Buffer, OneDNNLayout)
    }

    public let graph: Graph
    let targets: [Int]
    let needed: Set<Int>
    /// By the node id at which the step runs: its output's, the last node it covers.
    let fused: [Int: FusedStep]
    /// Nodes computed inside a fused step other than its output, and zero paddings folded into a pooling.
    let absorbed: Set<Int>
    /// By pooling node: the `ZeroPadding2D` node folded into it and its padding (top, bottom, left, right).
    let foldedPadding: [Int: (node: Int, pad: [Int])]
    /// Whether the graph makes Keras masks or has multi-output layers, which only `Graph.forward` tracks:
    /// then `run` is `Graph.forward`.
    let needsGraphForward: Bool
    /// Values that must be tensors: the targets and whatever a layer's own forward reads; every other
    /// value a oneDNN step makes stays in an arena buffer in its layout.
    let tensorValues: Set<Int>
    private var primitives: [Int: FusedConvolution] = [:]
    private var poolings: [Int: FastPooling] = [:]
    private var reorders: [LayoutReorder] = []
    private let arena = ActivationArena()
    private var primitiveBatch = -1

    /// How many oneDNN steps of the last run kept their output in a layout other than NHWC (blocked).
    public var blockedSteps: Int {
        primitives.values.filter { !$0.destinationLayout.isNHWC }.count + poolings.values.filter { !$0.destinationLayout.isNHWC }.count
    }

    /// The layout oneDNN steps keep activations in between them (`.oneDNNChoice`: reordered only at the
    /// plan's edges and before a step that wants another).
    public let layout: ActivationLayoutChoice
    /// When set, `run` adds each step's wall time (seconds) under the node id it runs at: a fused
    /// convolution's output node, or the layer's own node (`bench forward --profile`).
    public var stepSeconds: [Int: Double]?

    /// Whether max and average pooling run through oneDNN (`FastPooling`) rather than their layer's forward.
    public let fastPooling: Bool

    /// Plans `graph` for the values of `targets` (default: its outputs). Nodes among the targets are
    /// never folded away. `fastPooling: false` keeps pooling on the layers' own forward (the profile's
    /// comparison).
    /// `layout: .nhwc` keeps every activation in Keras' layout (the profile's comparison).
    public init(graph: Graph, targets: [Int]? = nil, fastPooling: Bool = true, layout: ActivationLayoutChoice = .oneDNNChoice) {
        self.graph = graph
        self.fastPooling = fastPooling
        self.layout = layout
        let wanted = targets ?? graph.outputNodes
        self.targets = wanted
        let needed = graph.ancestors(of: wanted)
        self.needed = needed
        // Masks start at the kinds that make them from their inputs (the graph's inputs carry none).
        needsGraphForward = graph.nodes.contains { n in
            needed.contains(n.id) && (n.layer is Embedding || n.layer is Masking || n.layer is any MultiOutputLayer || n.layer is LayerOutput)
        }
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for n in graph.nodes where needed.contains(n.id) { for i in n.inputs { consumers[i].append(n.id) } }
        let keep = Set(wanted)
        var fused: [Int: FusedStep] = [:], absorbed = Set<Int>(), covered = Set<Int>()
        for n in graph.nodes where needed.contains(n.id) && !needsGraphForward {
            guard let conv = n.layer as? any FusibleConvolution, n.inputs.count == 1, let g = conv.fusedGeometry,
                  conv.fusedActivation == .linear || conv.fusedActivation == .relu,
                  !graph.inputNodes.contains(n.id) else { continue }
            var kernel = conv.fusedKernel.data, bias = conv.fusedBias
            var relu = conv.fusedActivation == .relu, residual: Int?
            var covers = [n.id], last = n.id
            // Follow the single consumer while it folds: affine maps before a sum, at most one sum, ReLU last.
            while !relu, !keep.contains(last), consumers[last].count == 1 {
                let next = graph.nodes[consumers[last][0]]
                guard let layer = next.layer as? any EpilogueFusible,
                      let step = layer.epilogueStep(inputShape: graph.nodes[last].outputShape) else { break }
                var accepted = false
                switch step {
                case .channelAffine(let scale, let shift) where residual == nil && scale.count == conv.fusedFilters && next.inputs == [last]:
                    let f = conv.fusedFilters
                    for i in kernel.indices { kernel[i] *= scale[i % f] }                // (kh, kw, Cin/G, Cout): Cout is the last axis
                    bias = (0..<f).map { (bias?[$0] ?? 0) * scale[$0] + shift[$0] }
                    accepted = true
                case .residualSum where residual == nil && next.inputs.count == 2 && next.inputs.contains(last):
                    let other = next.inputs[0] == last ? next.inputs[1] : next.inputs[0]
                    // The step runs at the Add, after both of its inputs; the other one must have the same shape.
                    if !covered.contains(next.id), graph.nodes[other].outputShape == graph.nodes[last].outputShape {
                        residual = other
                        accepted = true
                    }
                case .relu where next.inputs == [last]:
                    relu = true
                    accepted = true
                default:
                    break
                }
                guard accepted else { break }
                covers.append(next.id)
                last = next.id
            }
            // A zero padding read only by this convolution is more of its own zero padding.
            var padding: (node: Int, pad: [Int])?
            let p = graph.nodes[n.inputs[0]]
            if let zero = p.layer as? ZeroPadding2D, p.inputs.count == 1, consumers[p.id] == [n.id], !keep.contains(p.id),
               !graph.inputNodes.contains(p.id), FusedConvolution.folds(zeroPadding: zero.pad, geometry: g) {
                padding = (p.id, zero.pad)
                absorbed.insert(p.id)
            }
            let step = FusedStep(convolution: n.id, output: last, residual: residual, geometry: g, groups: conv.fusedGroups,
                                 filters: conv.fusedFilters, kernel: kernel,
                                 epilogue: ConvolutionEpilogue(bias: bias, sum: residual != nil, relu: relu), covers: covers,
                                 zeroPadding: padding, input: padding.map { _ in p.inputs[0] } ?? n.inputs[0])
            fused[last] = step
            absorbed.formUnion(covers.dropLast())
            covered.formUnion(covers)
        }
        self.fused = fused
        var paddings: [Int: (node: Int, pad: [Int])] = [:]
        for n in graph.nodes where fastPooling && !needsGraphForward && needed.contains(n.id) && n.inputs.count == 1 {
            guard let (kind, g) = (n.layer as? any FastPoolable)?.fastPooling else { continue }
            let p = graph.nodes[n.inputs[0]]
            // The padding's input is non-negative when a convolution step ending in ReLU makes it.
            guard let zero = p.layer as? ZeroPadding2D, p.inputs.count == 1, consumers[p.id] == [n.id], !keep.contains(p.id),
                  !graph.inputNodes.contains(p.id),
                  FastPooling.folds(zeroPadding: zero.pad, kind: kind, geometry: g, nonNegative: fused[p.inputs[0]]?.epilogue.relu == true)
            else { continue }
            paddings[n.id] = (p.id, zero.pad)
            absorbed.insert(p.id)
        }
        self.foldedPadding = paddings
        self.absorbed = absorbed
        var tensors = keep
        for n in graph.nodes where needed.contains(n.id) && !absorbed.contains(n.id) && fused[n.id] == nil && !graph.inputNodes.contains(n.id) {
            let pooled = fastPooling && n.inputs.count == 1 && (n.layer as? any FastPoolable)?.fastPooling != nil
            if !pooled { tensors.formUnion(n.inputs) }
        }
        tensorValues = tensors
    }

    /// How many convolutions run fused, and how many layers folded into them.
    public var fusedConvolutions: Int { fused.count }
    public var foldedLayers: Int { fused.values.reduce(0) { $0 + $1.covers.count - 1 } }
    /// How many zero paddings folded into the pooling or convolution after them.
    public var foldedPaddings: Int { foldedPadding.count + fused.values.filter { $0.zeroPadding != nil }.count }

    /// Runs the plan: one tensor per graph input, batch first; returns the targets' values by node id.
    public func run(_ inputs: [Tensor]) throws -> [Int: Tensor] {
        if needsGraphForward {
            var context = ForwardContext()
            return try graph.forward(inputs, targets: targets, context: &context).values
        }
        try graph.checkRunnable(for: targets)
        try graph.checkInputs(inputs)
        try graph.checkActivationSizes(of: needed, batch: inputs.first?.shape.first ?? 1)
        let batch = inputs.first?.batch ?? 1
        if batch != primitiveBatch { primitives = [:]; poolings = [:]; reorders = []; arena.clear(); primitiveBatch = batch }
        OneDNN.setThreads(Threading.count)
        var remaining = [Int](repeating: 0, count: graph.nodes.count)
        for n in graph.nodes where needed.contains(n.id) { for i in n.inputs { remaining[i] += 1 } }
        let keep = Set(targets)
        var live: [Int: Stored] = [:], values: [Int: Tensor] = [:]
        var context = ForwardContext()
        func release(_ ids: [Int]) {
            for i in ids {
                remaining[i] -= 1
                if remaining[i] == 0 && !keep.contains(i) {
                    if case .buffer(let b, _)? = live[i] { arena.give(b) }
                    live[i] = nil
                }
            }
        }
        func tensor(_ i: Int) -> Tensor {
            guard case .tensor(let t)? = live[i] else { preconditionFailure("InferencePlan: node \(i) is not a tensor") }
            return t
        }
        for n in graph.nodes where needed.contains(n.id) && !absorbed.contains(n.id) {
            let started = stepSeconds == nil ? 0 : Self.now()
            defer { if stepSeconds != nil { stepSeconds![n.id, default: 0] += Self.now() - started } }
            if let k = graph.inputNodes.firstIndex(of: n.id) {
                live[n.id] = .tensor(inputs[k])
            } else if let step = fused[n.id] {                                  // n is the step's output
                let g = step.geometry, z = step.zeroPadding?.pad ?? [0, 0, 0, 0]
                let primitive = try self.primitive(for: step, batch: batch)
                let sourceNHWC = try OneDNNLayout.nhwc(batch: batch, channels: g.channels, height: g.inH - z[0] - z[1], width: g.inW - z[2] - z[3])
                let outputNHWC = try OneDNNLayout.nhwc(batch: batch, channels: step.filters, height: g.outH, width: g.outW)
                let xValue = live[step.input]!
                try produce(n.id, shape: [batch] + graph.nodes[step.output].outputShape, layout: primitive.destinationLayout,
                            nhwc: outputNHWC, residual: step.residual, live: &live, remaining: &remaining, keep: keep) { y in
                    try withValue(xValue, nhwc: sourceNHWC, as: primitive.sourceLayout) { x in
                        try primitive.run(x.assumingMemoryBound(to: Float.self), y.assumingMemoryBound(to: Float.self))
                    }
                }
                release([step.input])
            } else if let pooling = try pooling(for: n, batch: batch, source: live) {
                let source = foldedPadding[n.id].map { graph.nodes[$0.node].inputs[0] } ?? n.inputs[0]
                let g = pooling.geometry, z = pooling.zeroPadding
                let sourceNHWC = try OneDNNLayout.nhwc(batch: batch, channels: g.channels, height: g.inH - z[0] - z[1], width: g.inW - z[2] - z[3])
                let outputNHWC = try OneDNNLayout.nhwc(batch: batch, channels: g.channels, height: g.outH, width: g.outW)
                let xValue = live[source]!
                try produce(n.id, shape: [batch] + n.outputShape, layout: pooling.destinationLayout, nhwc: outputNHWC, residual: nil,
                            live: &live, remaining: &remaining, keep: keep) { y in
                    try withValue(xValue, nhwc: sourceNHWC, as: pooling.sourceLayout) { x in
                        try pooling.run(x.assumingMemoryBound(to: Float.self), y.assumingMemoryBound(to: Float.self))
                    }
                }
                release([source])
            } else {
                let y = try n.layer.forward(n.inputs.map { tensor($0) }, context: &context, tape: nil)
                release(n.inputs)
                live[n.id] = .tensor(y)
            }
            if remaining[n.id] == 0 && !keep.contains(n.id) {                   // read by nothing
                if case .buffer(let b, _)? = live[n.id] { arena.give(b) }
                live[n.id] = nil
            }
            if keep.contains(n.id) { values[n.id] = tensor(n.id) }
        }
        return values
    }

    /// Runs `body` with a pointer to `value` in `layout` (`nhwc`: the layout of the value as a tensor),
    /// reordering it into a borrowed arena buffer when it is in another.
    private func withValue(_ value: Stored, nhwc: OneDNNLayout, as layout: OneDNNLayout,
                           _ body: (UnsafeRawPointer) throws -> Void) throws {
        func converted(_ x: UnsafeRawPointer, from: OneDNNLayout) throws {
            if from == layout { return try body(x) }
            let t = arena.take(layout.bytes)
            defer { arena.give(t) }
            try reorder(from: from, to: layout).run(x, t.pointer)
            try body(t.pointer)
        }
        switch value {
        case .buffer(let b, let l): try converted(b.pointer, from: l)
        case .tensor(let x): try x.data.withUnsafeBytes { try converted($0.baseAddress!, from: nhwc) }
        }
    }

    /// Makes node `node`'s value through `body`, which writes it in `layout` (holding the residual's value on
    /// entry when there is one): into a tensor when `tensorValues` asks for one (reordered from `layout` when
    /// that is not `nhwc`), else into an arena buffer (the residual's own when this step was its last reader).
    private func produce(_ node: Int, shape: [Int], layout: OneDNNLayout, nhwc: OneDNNLayout, residual: Int?,
                         live: inout [Int: Stored], remaining: inout [Int], keep: Set<Int>,
                         _ body: (UnsafeMutableRawPointer) throws -> Void) throws {
        var sum: Stored?, owned = false
        if let r = residual {
            sum = live[r]
            remaining[r] -= 1                                        // this step is its consumer (the Add)
            owned = remaining[r] == 0 && !keep.contains(r)
            if owned { live[r] = nil }
        }
        // Writes the residual into `y` in layout `to`, giving its buffer back when this step owned it.
        func placeResidual(into y: UnsafeMutableRawPointer, as to: OneDNNLayout) throws {
            guard let sum else { return }
            try withValue(sum, nhwc: nhwc, as: to) { y.copyMemory(from: $0, byteCount: to.bytes) }
            if owned, case .buffer(let b, _) = sum { arena.give(b) }
        }
        if tensorValues.contains(node) {
            let count = shape.reduce(1, *)
            var y: Tensor
            if layout == nhwc, owned, case .tensor(let r)? = sum {
                sum = nil
                y = Tensor(shape: shape, data: r.data)                 // its buffer becomes the output
            } else {
                y = Tensor(shape: shape, data: Self.uninitialized(count))
            }
            try y.data.withUnsafeMutableBytes { yp in
                if layout == nhwc {
                    try placeResidual(into: yp.baseAddress!, as: layout)
                    try body(yp.baseAddress!)
                } else {
                    let t = arena.take(layout.bytes)
                    defer { arena.give(t) }
                    try placeResidual(into: t.pointer, as: layout)
                    try body(t.pointer)
                    try reorder(from: layout, to: nhwc).run(t.pointer, yp.baseAddress!)
                }
            }
            live[node] = .tensor(y)
        } else {
            let y: ActivationArena.Buffer
            if owned, case .buffer(let b, let l)? = sum, l == layout {
                y = b                                                    // its buffer becomes the output
            } else {
                y = arena.take(layout.bytes)
                try placeResidual(into: y.pointer, as: layout)
            }
            try body(y.pointer)
            live[node] = .buffer(y, layout)
        }
    }

    private func reorder(from: OneDNNLayout, to: OneDNNLayout) throws -> LayoutReorder {
        if let r = reorders.first(where: { $0.from == from && $0.to == to }) { return r }
        let r = try LayoutReorder(from: from, to: to)
        reorders.append(r)
        return r
    }

    /// Inference on one input: the first target's value.
    public func predict(_ x: Tensor) throws -> Tensor {
        try run([x])[targets[0]]!
    }

    private func primitive(for step: FusedStep, batch: Int) throws -> FusedConvolution {
        if let p = primitives[step.convolution] { return p }
        let p = try FusedConvolution(geometry: step.geometry, batch: batch, kernel: step.kernel, filters: step.filters,
                                     groups: step.groups, epilogue: step.epilogue, layout: layout,
                                     zeroPadding: step.zeroPadding?.pad ?? [0, 0, 0, 0])
        primitives[step.convolution] = p
        return p
    }

    /// oneDNN's pooling for a windowed max or average pooling node (cached per node), nil for any other node;
    /// it reads its source in the layout that is in (`live`'s).
    private func pooling(for n: Node, batch: Int, source live: [Int: Stored]) throws -> FastPooling? {
        if let p = poolings[n.id] { return p }
        guard fastPooling, let (kind, geometry) = (n.layer as? any FastPoolable)?.fastPooling, n.inputs.count == 1 else { return nil }
        let source = foldedPadding[n.id].map { graph.nodes[$0.node].inputs[0] } ?? n.inputs[0]
        var layout: OneDNNLayout?
        if case .buffer(_, let l)? = live[source], !l.isNHWC { layout = l }
        let p = try FastPooling(kind: kind, geometry: geometry, batch: batch, zeroPadding: foldedPadding[n.id]?.pad ?? [0, 0, 0, 0],
                                source: layout)
        poolings[n.id] = p
        return p
    }

    /// Which layers a step covers (a folded zero padding first, then the convolution or pooling, the node it runs at last), for a profile.
    public func covered(at node: Int) -> [Int] {
        if let step = fused[node] { return (step.zeroPadding.map { [$0.node] } ?? []) + step.covers }
        return foldedPadding[node].map { [$0.node, node] } ?? [node]
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
    }
}
