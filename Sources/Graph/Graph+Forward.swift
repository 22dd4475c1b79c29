import MemoryLimit
import Tensor

/// The outputs (and, when recorded, tapes) of one forward pass.
public struct ForwardPass {
    /// Values of the nodes asked for (plus graph outputs), by node id.
    public var values: [Int: Tensor] = [:]
    /// Tapes by node id, present when the pass was recorded for a backward pass.
    public var tapes: [Int: Tape] = [:]
    /// The Keras mask of each computed node's output that has one (`Mask.swift`), by node id.
    public var masks: [Int: Tensor] = [:]

    public func value(_ id: Int) -> Tensor? { values[id] ?? tapes[id]?.output }

    /// A pass that computed `values` (an inference plan's run: no tapes, no masks).
    public init(values: [Int: Tensor] = [:]) { self.values = values }
}

extension Graph {
    /// Runs the graph on `inputs` (one tensor per input node, batch first).
    ///
    /// - `targets`: nodes whose values to return (default: the graph outputs). Only their ancestors run.
    /// - `record`: keep a tape per node for `backward`; otherwise each activation is released
    ///   after its last consumer, so peak memory stays near the weights plus the widest live activations.
    public func forward(_ inputs: [Tensor], targets: [Int]? = nil, record: Bool = false,
                        context: inout ForwardContext) throws -> ForwardPass {
        try checkRunnable(for: targets)
        try checkInputs(inputs)
        let wanted = targets ?? outputNodes
        let needed = ancestors(of: wanted)
        try checkActivationSizes(of: needed, batch: inputs.first?.shape.first ?? 1)
        var remaining = [Int](repeating: 0, count: nodes.count)
        for n in nodes where needed.contains(n.id) { for i in n.inputs { remaining[i] += 1 } }
        let keep = Set(wanted)

        var live: [Int: Tensor] = [:]
        var extras: [Int: [Tensor]] = [:]                                       // outputs 1… of multi-output nodes
        var pass = ForwardPass()
        for n in nodes where needed.contains(n.id) {
            let args: [Tensor]
            if let k = inputNodes.firstIndex(of: n.id) {
                args = [inputs[k]]
            } else if let pick = n.layer as? LayerOutput {
                args = [extras[n.inputs[0]]![pick.index - 1]]
            } else {
                args = n.inputs.map { live[$0]! }
            }
            let tape = record ? Tape() : nil
            tape?.inputs = args
            let inputMasks = n.inputs.map { pass.masks[$0] }
            tape?.masks = inputMasks
            let y: Tensor
            if hasExtraOutputs(n.id), let multi = n.layer as? any MultiOutputLayer {
                let outs = try multi.forwardAll(args, masks: inputMasks, context: &context, tape: tape)
                y = outs[0]
                extras[n.id] = Array(outs.dropFirst())
                pass.masks[n.id] = try multi.outputMask(args, masks: inputMasks)
            } else if let aware = n.layer as? any MaskAware {
                y = try aware.forward(args, masks: inputMasks, context: &context, tape: tape)
                pass.masks[n.id] = try aware.outputMask(args, masks: inputMasks)
            } else {
                y = try n.layer.forward(args, context: &context, tape: tape)
                if type(of: n.layer).supportsMasking, let m = inputMasks.first ?? nil { pass.masks[n.id] = m }
            }
            if let tape { tape.output = y; pass.tapes[n.id] = tape }
            for i in n.inputs {
                remaining[i] -= 1
                if remaining[i] == 0 { extras[i] = nil }
                if remaining[i] == 0 && !keep.contains(i) { live[i] = nil }
            }
            if keep.contains(n.id) { pass.values[n.id] = y }
            if remaining[n.id] > 0 { live[n.id] = y }
        }
        return pass
    }

    /// Refuses inputs whose count or per-sample shapes are not the input nodes'.
    func checkInputs(_ inputs: [Tensor]) throws {
        guard inputs.count == inputNodes.count else {
            throw GraphError.badInput("model '\(name)' takes \(inputNodes.count) input(s), got \(inputs.count)")
        }
        for (k, id) in inputNodes.enumerated() {
            let want = nodes[id].outputShape, got = Array(inputs[k].shape.dropFirst())
            guard want.count == got.count, zip(want, got).allSatisfy({ $0 == -1 || $0 == $1 }) else {
                throw GraphError.badInput("input '\(nodes[id].name)' expects shape (batch, \(want.map(String.init).joined(separator: ", "))), got \(inputs[k].shape)")
            }
        }
    }

    /// Refuses a pass whose activations, as the config declares their shapes, could not be allocated
    /// (an `UpSampling2D` of size 10⁶, say): checked per activation before anything runs.
    func checkActivationSizes(of needed: Set<Int>, batch: Int) throws {
        for n in nodes where needed.contains(n.id) && !n.outputShape.contains(where: { $0 < 0 }) {
            let bytes = DeclaredSize.product([batch] + n.outputShape + [MemoryLayout<Float>.stride])
            if let refusal = MemoryLimit.refusal("the output of layer '\(n.name)', of shape \([batch] + n.outputShape),",
                                                 declares: bytes, detail: "float32") {
                throw GraphError.badInput(refusal)
            }
        }
    }

    /// Convenience: inference on a single input, returning the first output.
    public func predict(_ x: Tensor) throws -> Tensor {
        var ctx = ForwardContext()
        let pass = try forward([x], context: &ctx)
        return pass.values[outputNodes[0]]!
    }

    /// Node ids that `targets` depend on (targets included).
    public func ancestors(of targets: [Int]) -> Set<Int> {
        var seen = Set<Int>()
        var stack = targets
        while let id = stack.popLast() {
            if seen.insert(id).inserted { stack += nodes[id].inputs }
        }
        return seen
    }
}
