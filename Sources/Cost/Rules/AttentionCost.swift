import Graph

// Attention: the products of the scores (query · key) and of the weighted sum (weights · value), plus
// MultiHeadAttention's four projections; other ops: the softmax (one per score) and the bias adds.

/// The query's positions (the output's) and the key's: those of an input with other positions than the
/// query's, else the query's (key and value have the same positions; attention of a sequence to itself).
private func positions(_ s: CostShapes) -> (query: Int, key: Int) {
    let tq = elements(Array(s.output.dropLast()))
    let other = s.inputs.map { elements(Array($0.dropLast())) }.first { $0 != tq }
    return (tq, other ?? tq)
}

extension MultiHeadAttention: CostRule {
    /// Tq·|Wq| + Tk·(|Wk| + |Wv|) + heads·Tq·Tk·(key_dim + value_dim) + Tq·|Wo|.
    public func opCount(_ s: CostShapes) -> OpCount? {
        func kernel(_ p: String) -> [Int]? { weights.first { $0.name == p + "/kernel" }?.value.shape }
        guard let q = kernel("query"), let k = kernel("key"), let v = kernel("value"), let o = kernel("attention_output"),
              q.count == 3, v.count == 3 else { return nil }
        let (tq, tk) = positions(s), heads = q[1]
        let macs = add(mul(tq, elements(q)), mul(tk, add(elements(k), elements(v))), mul(heads, tq, tk, q[2] + v[2]), mul(tq, elements(o)))
        let biases = mul(biasOps, add(mul(tq, heads, q[2]), mul(tk, heads, k[2] + v[2]), s.outputCount))
        return OpCount(macs: macs, otherOps: add(mul(heads, tq, tk), biases))
    }
}

extension ScoredAttention: CostRule {
    /// Tq·Tv·dim for the scores and Tq·Tv·dim for the weighted values; additive scores add
    /// (query + key), tanh and the scaled sum's products per feature: 2 other ops and one product each.
    public func opCount(_ s: CostShapes) -> OpCount? {
        let (tq, tv) = positions(s), dim = s.output.last ?? 1
        let additive = Score.self == AdditiveScore.self
        return OpCount(macs: mul(2, tq, tv, dim), otherOps: mul(tq, tv, add(1, additive ? mul(2, dim) : 0)))
    }
}

extension Dot: CostRule {
    /// One contraction: each index appears in two of (x, y, output), so the products are √(|x|·|y|·|output|).
    public func opCount(_ s: CostShapes) -> OpCount? {
        guard s.inputs.count == 2 else { return nil }
        let product = Double(elements(s.inputs[0])) * Double(elements(s.inputs[1])) * Double(s.outputCount)
        return OpCount(macs: product.squareRoot() < Double(Int.max) ? Int(product.squareRoot().rounded()) : Int.max)
    }
}
