import Tensor

/// Gradients from one backward pass.
public struct BackwardPass {
    /// d(objective)/d(input), one per graph input (zeros when the objective does not reach it).
    public var inputGradients: [Tensor]
    /// Per layer (by identity), gradients in `Layer.weights` order, summed over shared applications.
    public var weightGradients: [ObjectIdentifier: [Tensor]]
    /// Total gradients with respect to the outputs of the nodes asked for in `captureAt`.
    public var captured: [Int: Tensor] = [:]
}

extension Graph {
    /// Walks the graph backwards from `seeds` (d objective / d node output) with `rule`,
    /// accumulating at forks (residual Adds, shared layers). The pass must have been recorded.
    public func backward(seeds: [Int: Tensor], pass: ForwardPass, rule: BackwardRule = .gradient,
                         weightGradients: Bool = false, captureAt: Set<Int> = []) throws -> BackwardPass {
        var grads: [Int: Tensor] = seeds
        var wgrads: [ObjectIdentifier: [Tensor]] = [:]
        var captured: [Int: Tensor] = [:]
        var extraGrads: [Int: [Tensor?]] = [:]                                   // by node: outputs 1… (MultiOutput.swift)
        let top = seeds.keys.max() ?? -1
        let reaching = ancestors(of: Array(seeds.keys))
        for id in stride(from: top, through: 0, by: -1) where reaching.contains(id) {
            let node = nodes[id]
            let extra = extraGrads.removeValue(forKey: id)
            guard grads[id] != nil || extra != nil else { continue }
            if let g = grads[id], captureAt.contains(id) { captured[id] = g }
            if inputNodes.contains(id) { continue }
            if let pick = node.layer as? LayerOutput, let g = grads[id] {         // to output `index` of its layer
                let src = node.inputs[0], count = pick.source.extraOutputShapes.count
                var list = extraGrads[src] ?? [Tensor?](repeating: nil, count: count)
                if list[pick.index - 1] == nil { list[pick.index - 1] = g } else { list[pick.index - 1]!.add(g) }
                extraGrads[src] = list
                grads[id] = nil
                continue
            }
            guard let tape = pass.tapes[id] else {
                throw GraphError.badInput("backward: node '\(node.name)' has no recorded forward pass")
            }
            let result: LayerGradients
            if hasExtraOutputs(id), let multi = node.layer as? any MultiOutputLayer {
                let others = extra ?? [Tensor?](repeating: nil, count: multi.extraOutputShapes.count)
                result = try multi.backwardAll([grads[id]] + others, tape: tape, rule: rule, weightGradients: weightGradients)
            } else {
                result = try node.layer.backward(grads[id]!, tape: tape, rule: rule, weightGradients: weightGradients)
            }
            for (k, src) in node.inputs.enumerated() {                          // a fork: the sum into a fresh tensor
                if let g = grads[src] { grads[src] = g.adding(result.inputs[k]) } else { grads[src] = result.inputs[k] }
            }
            if weightGradients && !result.weights.isEmpty {
                let key = ObjectIdentifier(node.layer)
                if var acc = wgrads[key] {
                    for k in acc.indices { acc[k].add(result.weights[k]) }
                    wgrads[key] = acc
                } else {
                    wgrads[key] = result.weights
                }
            }
            grads[id] = nil
        }
        let inputsGrad = inputNodes.map { id in
            grads[id] ?? Tensor(zeros: pass.tapes[id]?.output.shape ?? [1] + nodes[id].outputShape)
        }
        return BackwardPass(inputGradients: inputsGrad, weightGradients: wgrads, captured: captured)
    }
}
