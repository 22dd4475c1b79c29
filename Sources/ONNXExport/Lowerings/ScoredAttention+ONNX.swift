import Graph
import Tensor

/// Attention (dot or concat scores, `use_scale`) and AdditiveAttention over [query, value(, key)]:
/// scores (N, Tq, Tv), −10⁹ added where a key step follows the query step (causal) or the value's Keras
/// mask drops it (as the layer subtracts it), softmax over the keys, then the weights times the value, zero
/// for queries the query's Keras mask drops; the weights are output 1 with `return_attention_scores`.
/// Dropout is the identity at inference.
extension ScoredAttention: ONNXMultiOutputLowering, ONNXMaskAwareLowering, MultiHeadAttentionLike {
    var queryInput: Int { 0 }

    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] {
        let b = c.builder, n = c.name
        let q = c.inputs[0], v = c.inputs[1], k = c.inputs.count == 3 ? c.inputs[2] : c.inputs[1]
        let (tq, tv) = (c.inputShapes[0][0], c.inputShapes[1][0])
        let additive = Score.self == AdditiveScore.self
        let concat = try !additive && cfg.string("score_mode", default: "dot") == "concat"
        let useScale = try cfg.bool("use_scale", default: additive)
        var scores: String
        if additive || concat {
            // Σ_e w_e·tanh(a·(q_ie + k_je)): (N, Tq, 1, D) + (N, 1, Tv, D)
            var sum = b.op("Add", [b.reshape(q, [0, tq, 1, -1], name: n), b.reshape(k, [0, 1, tv, -1], name: n)], name: n)
            if concat && useScale { sum = b.op("Mul", [sum, b.constant(weights[0].value, name: "\(n)/scale")], name: n) }
            var t = b.op("Tanh", [sum], name: n)
            if additive && useScale { t = b.op("Mul", [t, b.constant(weights[0].value, name: "\(n)/scale")], name: n) }
            scores = b.reduce("ReduceSum", t, axes: [-1], keepdims: false, name: n)            // (N, Tq, Tv)
            if concat { scores = b.op("Mul", [scores, b.constant(weights[useScale ? 1 : 0].value, name: "\(n)/concat_score_weight")], name: n) }
        } else {
            scores = b.op("MatMul", [q, b.transpose(k, [0, 2, 1], name: n)], name: n)         // (N, Tq, Tv)
            if useScale { scores = b.op("Mul", [scores, b.constant(weights[0].value, name: "\(n)/scale")], name: n) }
        }
        var allowed: [String] = []
        if let m = c.mask(1) { allowed.append(b.allowed(m, shape: [0, 1, tv], name: n)) }               // value steps
        if isCausal { allowed.append(b.allowed((0..<tq).flatMap { i in (0..<tv).map { $0 <= i } }, rows: tq, cols: tv, name: n)) }
        let w = b.op("Softmax", [b.masked(scores, allowed: allowed, name: n)], name: n, .int("axis", -1))
        var out = b.op("MatMul", [w, v], name: n)                                                // (N, Tq, Dv)
        if let m = c.mask(0) { out = b.op("Mul", [out, b.reshape(m, [0, tq, 1], name: n)], name: n) }   // masked queries give zeros
        return extraOutputShapes.isEmpty ? [out] : [out, w]
    }
}
