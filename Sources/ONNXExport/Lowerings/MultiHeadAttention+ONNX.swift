import Graph
import Tensor

/// MultiHeadAttention as Keras computes it: query, key and value projected per head (MatMul with the
/// (F, H, d) kernels as (F, H·d), bias), the query scaled by 1/√key_dim; the attention axes (default
/// every axis but the features) moved beside the heads, (N, B, H, T, d) with B the other axes; scores
/// Q·Kᵀ, −10⁹ added where the attention_mask input is 0, a later key step under `use_causal_mask` or one
/// outside `sliding_window` (once, as the layer subtracts it); softmax over the keys, times V; the heads
/// moved back, gated by sigmoid of the gate projection with `use_gate`, and the output projection.
/// With `return_attention_scores` the (N, H, Tq…, Tv…) weights are output 1. Keras masks on (steps,
/// features) inputs drop query rows and key steps, as the layer's `allowed`.
extension MultiHeadAttention: ONNXMultiOutputLowering, ONNXMaskAwareLowering, MultiHeadAttentionLike {
    var queryInput: Int { inputSlots["query"]! }

    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] {
        let b = c.builder, n = c.name, cf = cfg
        let slots = inputSlots
        let qi = slots["query"]!, vi = slots["value"]!, ki = slots["key"] ?? vi
        let heads = try cf.int("num_heads"), keyDim = try cf.int("key_dim")
        let valueDim = try cf.int("value_dim", default: keyDim)
        let useBias = try cf.bool("use_bias", default: true), useGate = try cf.bool("use_gate", default: false)
        let qs = c.inputShapes[qi], vs = c.inputShapes[vi]
        let r = qs.count - 1                                                      // positional axes per sample
        var axes = Array(0..<r)
        if let a = config["attention_axes"], !a.isNull {
            axes = Array(Set((a.intValue.map { [$0] } ?? (a.arrayValue ?? []).compactMap(\.intValue)).map { ($0 < 0 ? $0 + r + 2 : $0) - 1 })).sorted()
        }
        let others = (0..<r).filter { !axes.contains($0) }
        let per = useBias ? 2 : 1
        let valueIndex = useGate ? 3 : 2
        func project(_ x: String, _ p: Int, _ width: Int, _ label: String) -> String {
            var k = weights[p * per].value
            k.shape = [k.shape[0], k.count / k.shape[0]]                          // (F, H, d) → (F, H·d)
            var y = b.op("MatMul", [x, b.constant(k, name: "\(n)/\(label)/kernel")], name: n)
            if useBias {
                var bias = weights[p * per + 1].value
                bias.shape = [bias.count]
                y = b.op("Add", [y, b.constant(bias, name: "\(n)/\(label)/bias")], name: n)
            }
            return y
        }
        // (N, d…, H·dim) → (N, B, H, T, dim), T over the attention axes.
        let toHeads = [0] + others.map { $0 + 1 } + [r + 1] + axes.map { $0 + 1 } + [r + 2]
        func split(_ x: String, _ shape: [Int], _ dim: Int) -> String {
            let five = b.reshape(x, [-1] + shape.dropLast() + [heads, dim], name: n)
            return b.reshape(b.transpose(five, toHeads, name: n),
                             [-1, others.map { shape[$0] }.reduce(1, *), heads, axes.map { shape[$0] }.reduce(1, *), dim], name: n)
        }
        let scale = b.scalar(Float(1 / Double(keyDim).squareRoot()), name: "\(n)/scale")
        let q = split(b.op("Mul", [project(c.inputs[qi], 0, keyDim, "query"), scale], name: n), qs, keyDim)
        let k = split(project(c.inputs[ki], 1, keyDim, "key"), c.inputShapes[ki], keyDim)
        let v = split(project(c.inputs[vi], valueIndex, valueDim, "value"), vs, valueDim)
        var scores = b.op("MatMul", [q, b.transpose(k, [0, 1, 2, 4, 3], name: n)], name: n)   // (N, B, H, Tq, Tv)
        let tq = axes.map { qs[$0] }.reduce(1, *), tv = axes.map { vs[$0] }.reduce(1, *)
        var allowed: [String] = []                                                // booleans broadcast to (N, 1, 1, Tq, Tv)
        if let mi = slots["attention_mask"] {
            let full = b.op("Expand", [c.inputs[mi], b.int64s([1] + axes.map { qs[$0] } + axes.map { vs[$0] }, name: "\(n)/mask_shape")], name: n)
            allowed.append(b.allowed(full, shape: [-1, 1, 1, tq, tv], name: n))
        }
        // Keras masks (rank-3 inputs): query steps, and key steps kept by both the value's and the key's.
        if let m = c.mask(qi) { allowed.append(b.allowed(m, shape: [0, 1, 1, tq, 1], name: n)) }
        for i in Set([vi, ki]) { if let m = c.mask(i) { allowed.append(b.allowed(m, shape: [0, 1, 1, 1, tv], name: n)) } }
        let window = config["sliding_window"].flatMap { $0.isNull ? nil : $0.intValue }
        if isCausal || window != nil {
            let pattern = (0..<tq).flatMap { i in (0..<tv).map { j in (!isCausal || j <= i) && (window.map { abs(i - j) < $0 } ?? true) } }
            allowed.append(b.allowed(pattern, rows: tq, cols: tv, name: n))
        }
        scores = b.masked(scores, allowed: allowed, name: n)
        let w = b.op("Softmax", [scores], name: n, .int("axis", -1))
        let context = b.op("MatMul", [w, v], name: n)                             // (N, B, H, Tq, dv)
        // Back to (N, q…, H·dv): unflatten B and Tq, invert the head permutation.
        let unflat = b.reshape(context, [-1] + others.map { qs[$0] } + [heads] + axes.map { qs[$0] } + [valueDim], name: n)
        var inverse = [Int](repeating: 0, count: toHeads.count)
        for (i, p) in toHeads.enumerated() { inverse[p] = i }
        var y = b.reshape(b.transpose(unflat, inverse, name: n), [-1] + qs.dropLast() + [heads * valueDim], name: n)
        if useGate { y = b.op("Mul", [y, b.op("Sigmoid", [project(c.inputs[qi], 2, valueDim, "gate")], name: n)], name: n) }
        var ok = weights[(valueIndex + 1) * per].value                           // (H, dv, out…) → (H·dv, ∏out)
        ok.shape = [heads * valueDim, ok.count / (heads * valueDim)]
        y = b.op("MatMul", [y, b.constant(ok, name: "\(n)/attention_output/kernel")], name: n)
        if useBias {
            var bias = weights[(valueIndex + 1) * per + 1].value
            bias.shape = [bias.count]
            y = b.op("Add", [y, b.constant(bias, name: "\(n)/attention_output/bias")], name: n)
        }
        let out = b.reshape(y, [-1] + c.outputShape, name: n)
        guard !extraOutputShapes.isEmpty else { return [out] }
        return [out, b.reshape(w, [-1, heads] + axes.map { qs[$0] } + axes.map { vs[$0] }, name: n)]
    }
}
