import Graph

// Recurrent cells over their time steps: per step the input and the state are multiplied by the kernel
// (features, gates·units) and the recurrent kernel (units, gates·units); other ops, per step, one bias
// add and one activation per gate value (2 · gates·units). Wrappers cost what they run: Bidirectional
// both directions, TimeDistributed its layer at every step.

extension RecurrentKind {
    /// T × (kernel + recurrent kernel) products, T × 2 · (gates·units) other ops.
    func recurrentCount(_ s: CostShapes) -> OpCount? {
        guard let steps = s.input.first, let kernel = weights.first(where: { $0.name == "kernel" }),
              let recurrent = weights.first(where: { $0.name == "recurrent_kernel" }) else { return nil }
        return OpCount(macs: mul(steps, kernel.value.count + recurrent.value.count), otherOps: mul(steps, 2, kernel.value.shape.last ?? 0))
    }
}

extension Recurrent: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { recurrentCount(s) }
}

extension CuDNNRecurrent: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { recurrentCount(s) }
}

extension Bidirectional: CostRule {
    /// Both directions over the sequence (the first input; further inputs are initial states).
    public func opCount(_ s: CostShapes) -> OpCount? {
        let sequence = CostShapes(inputs: [s.input], output: s.output)
        return wrappedLayers.reduce(OpCount.zero as OpCount?) { acc, l in
            guard let acc, let c = (l as? any CostRule)?.opCount(sequence) else { return nil }
            return acc + c
        }
    }
}

extension TimeDistributed: CostRule {
    /// The layer once per step of the first axis, on the rest of the sample.
    public func opCount(_ s: CostShapes) -> OpCount? {
        guard let steps = s.input.first, let inner = wrappedLayers.first as? any CostRule else { return nil }
        return inner.opCount(CostShapes(inputs: [Array(s.input.dropFirst())], output: Array(s.output.dropFirst()))).map { $0 * steps }
    }
}
