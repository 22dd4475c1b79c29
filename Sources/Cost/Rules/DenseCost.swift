import Graph

// Dense and EinsumDense: the products of the contraction; other ops: the bias add and the fused
// activation, one per output element each. On inputs with positions (a sequence, an image) Dense
// acts at every position alone, so the field passes through.

extension Dense: CostRule {
    /// (positions) × in × units.
    public func opCount(_ s: CostShapes) -> OpCount? {
        OpCount(macs: mul(s.inputCount, s.output.last ?? 1), otherOps: mul(biasOps + fusedActivationOps, s.outputCount))
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        s.input.count >= 2 ? inputs.first ?? nil : nil
    }
}

extension EinsumDense: CostRule {
    /// Every output element sums over the input's indices the output lacks: (output elements) × (their lengths).
    public func opCount(_ s: CostShapes) -> OpCount? {
        guard let equation = identity.config["equation"]?.stringValue,
              let contracted = Self.contractedLength(equation: equation, input: s.input) else { return nil }
        return OpCount(macs: mul(s.outputCount, contracted), otherOps: mul(biasOps + fusedActivationOps, s.outputCount))
    }

    /// The product of the lengths of the input indices that the output lacks; the input spec's letters
    /// name the batch and then the sample's axes (with `...`: the letters after it name the last axes).
    static func contractedLength(equation: String, input: [Int]) -> Int? {
        let sides = equation.replacingOccurrences(of: " ", with: "").components(separatedBy: "->")
        guard sides.count == 2, let lhs = sides[0].split(separator: ",").first else { return nil }
        let inputSpec = String(lhs), outputSpec = sides[1]
        let full = [1] + input                                                // the batch axis counts once
        var lengths: [Character: Int] = [:]
        if let dots = inputSpec.range(of: "...") {
            let before = Array(inputSpec[..<dots.lowerBound]), after = Array(inputSpec[dots.upperBound...])
            guard before.count + after.count <= full.count else { return nil }
            for (i, c) in before.enumerated() { lengths[c] = full[i] }
            for (i, c) in after.enumerated() { lengths[c] = full[full.count - after.count + i] }
        } else {
            guard inputSpec.count == full.count else { return nil }
            for (i, c) in inputSpec.enumerated() { lengths[c] = full[i] }
        }
        return mul(Array(lengths.filter { !outputSpec.contains($0.key) }.values))
    }
}

/// A table lookup: no arithmetic.
extension Embedding: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { .zero }
}
