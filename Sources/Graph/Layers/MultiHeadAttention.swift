import Foundation
import Tensor

/// Keras `MultiHeadAttention`, called with `query`, `value` and optionally `key` (= value) and an explicit
/// `attention_mask` (nonzero = attend), `use_causal_mask`, and the Keras masks of query, value and key
/// (Embedding(mask_zero)/Masking upstream: query position i attends to key j only where both are kept, and
/// the query's mask is the output's). Each input is projected over its last axis per
/// head (Keras' `EinsumDense` sub-layers `query`, `key`, `value`: kernel (features, heads, key_dim|value_dim),
/// bias (heads, dim)); the query is scaled by 1/√key_dim; per head, scores Q·Kᵀ over the `attention_axes`
/// (flattened; the other non-feature axes act as batch), masked positions drop by 10⁹, softmax over the
/// keys, times V; the heads go through `attention_output` (kernel (heads, value_dim, *output_shape)).
/// `dropout` is the identity at inference. Backward: the same chain in reverse, side by side below.
/// With Keras 3's `use_gate` the heads' outputs are multiplied by sigmoid(query · gate kernel + bias) (a `gate`
/// projection like the query's, (features, heads, value_dim)) before `attention_output`.
/// The projections stay inside this kind (no separate EinsumDense kind). With `return_attention_scores=True`
/// the softmax weights (heads, query positions…, key positions…) are a second output (`MultiOutput.swift`).
public final class MultiHeadAttention: CallBindingLayer {
    public static let kerasClassNames = ["MultiHeadAttention"]
    public static let kerasConfigKeys: Set<String> = [
        "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes",
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
        "kernel_constraint", "bias_constraint", "seed", "use_gate", "sliding_window", "flash_attention",
        "query_shape", "key_shape", "value_shape", "softmax_robust_masking",
    ]
    public static let kerasCallArguments = ["query", "value", "key"]
    /// The projections in Keras' build order (`gate` only with `use_gate`): (variable prefix, sub-layer key; the gate has
    /// no public property, so Keras 3 saves it under its attribute `_gate_dense`).
    static func projections(gated: Bool) -> [(String, String)] {
        [("query", "query_dense"), ("key", "key_dense")] + (gated ? [("gate", "_gate_dense")] : [])
            + [("value", "value_dense"), ("attention_output", "output_dense")]
    }

    public static func keras3VariableNames(config: JSON) -> [String] {
        let bias = config["use_bias"]?.boolValue ?? true
        return projections(gated: config["use_gate"]?.boolValue ?? false).flatMap { p in ["\(p.0)/kernel"] + (bias ? ["\(p.0)/bias"] : []) }
    }
    /// Keras 3 stores each projection's variables under its sub-layer: `query_dense/vars` named `query` ….
    public static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup] {
        let per = config["use_bias"]?.boolValue ?? true ? 2 : 1
        let p = projections(gated: config["use_gate"]?.boolValue ?? false)
        guard count == p.count * per else { return [Keras3VariableGroup(path: [], count: count)] }
        return p.map { Keras3VariableGroup(path: [($0.1, $0.0)], count: per) }
    }

    /// tf-keras writes the built input shapes and a masking flag, which Keras 3 rejects.
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        var c = config
        for k in ["query_shape", "key_shape", "value_shape", "softmax_robust_masking"] { c[k] = nil }
        return c
    }
    /// tf-keras rebuilds the layer from `query_shape`, `value_shape` and `key_shape` (batch included): the
    /// shapes the call's tensors carry.
    public static func tfKerasConfig(fromKeras3 config: JSONObject, inputShapes: [String: JSON]) -> JSONObject {
        var c = config
        for k in ["use_gate", "sliding_window", "flash_attention", "seed"] where c[k] != nil && (c[k]!.isNull || c[k]!.boolValue == false) { c[k] = nil }
        c["query_shape"] = inputShapes["query"] ?? .null
        c["value_shape"] = inputShapes["value"] ?? .null
        c["key_shape"] = inputShapes["key"] ?? inputShapes["value"] ?? .null
        return c
    }

    enum Role: String { case query, value, key, mask = "attention_mask" }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let heads: Int, keyDim: Int, valueDim: Int, useBias: Bool
    /// Keras 3's `use_gate`: the heads' outputs times sigmoid(query · gate kernel + bias) before `attention_output`.
    let useGate: Bool
    let outputShape: [Int]?
    let slidingWindow: Int?
    let dropout: Double
    private var causal = false
    private var call: LayerCall?
    /// Input index of each role in the node's inputs.
    private var slot: [Role: Int] = [.query: 0, .value: 1]
    private var geometry: Geometry?
    /// Whether the call asked for the attention weights as a second output, and their per-sample shape once built.
    private var returnsScores = false
    private var scoresShape: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        heads = try c.int("num_heads")
        keyDim = try c.int("key_dim")
        valueDim = try c.int("value_dim", default: keyDim)
        useBias = try c.bool("use_bias", default: true)
        dropout = try c.double("dropout", default: 0)
        guard heads > 0, keyDim > 0, valueDim > 0 else { throw LayerError(name, "num_heads, key_dim and value_dim must be positive") }
        if let o = config["output_shape"], !o.isNull {
            if let i = o.intValue { outputShape = [i] } else { outputShape = try c.intList("output_shape") }
            guard outputShape!.allSatisfy({ $0 > 0 }) else { throw LayerError(name, "output_shape \(o.serialized()) must be positive") }
        } else {
            outputShape = nil
        }
        slidingWindow = c.has("sliding_window") ? try c.int("sliding_window") : nil
        useGate = try c.bool("use_gate", default: false)
    }

    public func bind(_ call: LayerCall) throws {
        if let bound = self.call {
            guard bound == call else { throw LayerError(name, "shared layer called with different arguments at its nodes") }
            return
        }
        var slot: [Role: Int] = [:], position = 0
        for (i, k) in call.keywords.enumerated() {
            let keyword: String
            if let k { keyword = k } else {
                guard position < Self.kerasCallArguments.count else { throw LayerError(name, "called with more than three positional tensors") }
                keyword = Self.kerasCallArguments[position]
                position += 1
            }
            guard let role = Role(rawValue: keyword) else {
                throw LayerError(name, "the '\(keyword)' tensor argument is not supported (masks from Embedding(mask_zero)/Masking reach the layer by themselves; pass attention_mask)")
            }
            guard slot[role] == nil else { throw LayerError(name, "'\(keyword)' is passed twice") }
            slot[role] = i
        }
        guard slot[.query] != nil, slot[.value] != nil else { throw LayerError(name, "is called without a query and a value") }
        returnsScores = try AttentionCall.returnsScores(call, layer: name)
        if let c = call.options["use_causal_mask"] {
            guard let b = c.boolValue else { throw LayerError(name, "use_causal_mask \(c.serialized()) is not a boolean") }
            causal = b
        }
        self.slot = slot
        self.call = call
    }

    /// Where each position of the query and of the value sits: per group of the batch-like axes, the
    /// flat positions along the attention axes in order; and each attention position's offset in the mask.
    struct Geometry {
        var queryPositions: Int, valuePositions: Int
        var queryGroups: [[Int]], valueGroups: [[Int]]
        var maskOffsetsQuery: [Int], maskOffsetsValue: [Int], maskPerSample: Int
        var outDim: Int
    }

    /// Per group (of the non-attention axes) the flat positions in attention order, and each attention
    /// position's multi-index along the attention axes.
    private static func groups(_ dims: [Int], axes: [Int]) -> (groups: [[Int]], attention: [[Int]]) {
        let batchAxes = dims.indices.filter { !axes.contains($0) }
        let count = dims.reduce(1, *)
        var groups: [[Int]] = Array(repeating: [], count: batchAxes.map { dims[$0] }.reduce(1, *))
        var attention: [[Int]] = []
        for p in 0..<count {
            var index = [Int](repeating: 0, count: dims.count), rest = p
            for a in stride(from: dims.count - 1, through: 0, by: -1) { index[a] = rest % dims[a]; rest /= dims[a] }
            let g = batchAxes.reduce(0) { $0 * dims[$1] + index[$1] }
            if g == 0 { attention.append(axes.map { index[$0] }) }
            groups[g].append(p)
        }
        return (groups, attention)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let expected = slot.values.max()! + 1
        guard inputShapes.count == expected else { throw LayerError(name, "expects \(expected) inputs, got \(inputShapes.count)") }
        let q = inputShapes[slot[.query]!], v = inputShapes[slot[.value]!], k = slot[.key].map { inputShapes[$0] } ?? v
        guard q.count >= 2, v.count == q.count, k.count == q.count else {
            throw LayerError(name, "query, value and key must have one rank of at least (steps, features) per sample, got \(q), \(v), \(k)")
        }
        guard v.dropLast() == k.dropLast() else { throw LayerError(name, "value \(v) and key \(k) differ before the last axis") }
        let rank = q.count + 1                                                  // with the batch
        var axes: [Int]
        if let a = config["attention_axes"], !a.isNull {
            let raw = a.intValue.map { [$0] } ?? (a.arrayValue ?? []).compactMap(\.intValue)
            axes = raw.map { ($0 < 0 ? $0 + rank : $0) - 1 }                    // per-sample axis
            guard !raw.isEmpty, axes.allSatisfy({ $0 >= 0 && $0 < q.count - 1 }) else {
                throw LayerError(name, "attention_axes \(a.serialized()) are not axes of a query \(q) before its features")
            }
        } else {
            axes = Array(0..<(q.count - 1))
        }
        axes = Array(Set(axes)).sorted()
        let batchAxes = (0..<(q.count - 1)).filter { !axes.contains($0) }
        guard batchAxes.allSatisfy({ q[$0] == v[$0] }) else {
            throw LayerError(name, "query \(q) and value \(v) differ along the non-attention axes \(batchAxes.map { $0 + 1 })")
        }
        let (qg, qa) = Self.groups(Array(q.dropLast()), axes: axes), (vg, va) = Self.groups(Array(v.dropLast()), axes: axes)
        if causal || slidingWindow != nil {
            guard axes == [0], q.count == 2 else { throw LayerError(name, "use_causal_mask and sliding_window need (steps, features) inputs") }
        }
        var maskOffsetsQ = [Int](repeating: 0, count: qa.count), maskOffsetsV = [Int](repeating: 0, count: va.count), maskPer = 0
        if let m = slot[.mask].map({ inputShapes[$0] }) {
            guard batchAxes.isEmpty else { throw LayerError(name, "attention_mask with batch-like axes outside attention_axes is not supported") }
            let full = axes.map { q[$0] } + axes.map { v[$0] }
            guard m.count == full.count, zip(m, full).allSatisfy({ $0 == $1 || $0 == 1 }) else {
                throw LayerError(name, "attention_mask \(m) does not fit the attention shape \(full)")
            }
            var strides = [Int](repeating: 1, count: m.count)
            for a in stride(from: m.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * m[a + 1] }
            for a in m.indices where m[a] == 1 { strides[a] = 0 }
            maskOffsetsQ = qa.map { idx in zip(idx, strides).map(*).reduce(0, +) }
            maskOffsetsV = va.map { idx in zip(idx, strides.suffix(axes.count)).map(*).reduce(0, +) }
            maskPer = m.reduce(1, *)
        }
        if returnsScores {
            guard batchAxes.isEmpty else {
                throw LayerError(name, "return_attention_scores with batch-like axes outside attention_axes is not supported")
            }
            scoresShape = [heads] + axes.map { q[$0] } + axes.map { v[$0] }      // (heads, query…, key…)
        }
        let out = outputShape ?? [q.last!]
        func projection(_ p: String, _ input: Int, _ dim: Int) throws -> [WeightVariable] {
            [try WeightVariable(name: p + "/kernel", shape: [input, heads, dim])]
                + (useBias ? [try WeightVariable(name: p + "/bias", shape: [heads, dim])] : [])
        }
        weights = try projection("query", q.last!, keyDim) + projection("key", k.last!, keyDim)
            + (useGate ? projection("gate", q.last!, valueDim) : []) + projection("value", v.last!, valueDim)
            + [try WeightVariable(name: "attention_output/kernel", shape: [heads, valueDim] + out)]
            + (useBias ? [try WeightVariable(name: "attention_output/bias", shape: out)] : [])
        geometry = Geometry(queryPositions: q.dropLast().reduce(1, *), valuePositions: v.dropLast().reduce(1, *),
                            queryGroups: qg, valueGroups: vg, maskOffsetsQuery: maskOffsetsQ, maskOffsetsValue: maskOffsetsV,
                            maskPerSample: maskPer, outDim: out.reduce(1, *))
        return Array(q.dropLast()) + out
    }

    /// tf-keras' MultiHeadAttention has no gate.
    public var needsKeras3: Bool { useGate }

    private var per: Int { useBias ? 2 : 1 }
    /// Projection indices (`kernel(p)`): query 0, key 1, gate 2 with `use_gate`, then value and output.
    private var gateIndex: Int { 2 }
    private var valueIndex: Int { useGate ? 3 : 2 }
    private var outputIndex: Int { valueIndex + 1 }
    private func kernel(_ p: Int) -> Tensor { weights[p * per].value }
    private func bias(_ p: Int) -> Tensor? { useBias ? weights[p * per + 1].value : nil }

    /// x (rows, in) · kernel (in, width) + bias → (rows, width).
    private func project(_ x: Tensor, _ p: Int, rows: Int) -> [Float] {
        let k = kernel(p), inDim = x.count / rows, width = k.count / inDim
        var y = [Float](repeating: 0, count: rows * width)
        x.data.withUnsafeBufferPointer { xp in k.data.withUnsafeBufferPointer { kp in y.withUnsafeMutableBufferPointer { yp in
            AttentionKernel.product(xp.baseAddress!, kp.baseAddress!, into: yp.baseAddress!, m: rows, n: width, k: inDim)
        } } }
        if let b = bias(p) { for r in 0..<rows { for c in 0..<width { y[r * width + c] += b.data[c] } } }
        return y
    }

    /// Backward of `project`: dx (rows, in) from dy (rows, width); kernel and bias gradients into `grads`.
    private func projectBackward(_ dy: [Float], x: Tensor, _ p: Int, rows: Int, grads: inout [Tensor], weightGradients: Bool) -> Tensor {
        let k = kernel(p), inDim = x.count / rows, width = k.count / inDim
        var dx = Tensor(zeros: x.shape)
        dy.withUnsafeBufferPointer { dp in k.data.withUnsafeBufferPointer { kp in dx.data.withUnsafeMutableBufferPointer { xp in
            AttentionKernel.product(dp.baseAddress!, kp.baseAddress!, into: xp.baseAddress!, m: rows, n: inDim, k: width,
                                    transB: true)                               // dX = dY·Kᵀ (rows, in)
        } } }
        guard weightGradients else { return dx }
        var dk = Tensor(zeros: k.shape)
        x.data.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in dk.data.withUnsafeMutableBufferPointer { kp in
            AttentionKernel.product(xp.baseAddress!, dp.baseAddress!, into: kp.baseAddress!, m: inDim, n: width, k: rows,
                                    transA: true)                               // dK = Xᵀ·dY (in, width)
        } } }
        grads[p * per] = dk
        if useBias {
            var db = Tensor(zeros: bias(p)!.shape)
            for r in 0..<rows { for c in 0..<width { db.data[c] += dy[r * width + c] } }
            grads[p * per + 1] = db
        }
        return dx
    }

    /// Rows `rows` of head `h` from a (positions, heads·dim) block at `base`, as one (rows, dim) matrix.
    private func gather(_ src: [Float], base: Int, rows: [Int], head h: Int, dim: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * dim)
        for (i, r) in rows.enumerated() { for d in 0..<dim { out[i * dim + d] = src[base + (r * heads + h) * dim + d] } }
        return out
    }
    private func scatterAdd(_ m: [Float], into dst: inout [Float], base: Int, rows: [Int], head h: Int, dim: Int) {
        for (i, r) in rows.enumerated() { for d in 0..<dim { dst[base + (r * heads + h) * dim + d] += m[i * dim + d] } }
    }

    /// Keras' masks of the query (N, Tq) and of the keys (N, Tv: the value's and the key's, and-ed), from
    /// Embedding(mask_zero)/Masking upstream (`_compute_attention_mask`); only (steps, features) inputs carry them.
    private func keyedMasks(_ inputs: [Tensor], _ masks: [Tensor?]) throws -> (query: Tensor?, keys: Tensor?) {
        func mask(_ role: Role) throws -> Tensor? {
            guard let i = slot[role], masks.indices.contains(i), let m = masks[i] else { return nil }
            return try Masks.steps(m, of: inputs[i], layer: name)
        }
        let (q, v, k) = (try mask(.query), try mask(.value), try mask(.key))
        if q != nil || v != nil || k != nil, inputs[slot[.query]!].rank != 3 {
            throw LayerError(name, "Keras masks on inputs of rank above (steps, features) are not supported")
        }
        let keys = v.map { v in k.map { Masks.and([v, $0]) } ?? v } ?? k
        return (q, keys)
    }

    private func allowed(_ mask: Tensor?, auto: (query: Tensor?, keys: Tensor?), sample b: Int, _ g: Geometry) -> ((Int, Int) -> Bool)? {
        guard mask != nil || causal || slidingWindow != nil || auto.query != nil || auto.keys != nil else { return nil }
        let base = mask.map { $0.shape[0] == 1 ? 0 : b * g.maskPerSample } ?? 0, window = slidingWindow, causal = causal
        let (pq, pv) = (g.queryPositions, g.valuePositions)
        return { i, j in
            if let q = auto.query, q.data[b * pq + i] == 0 { return false }
            if let k = auto.keys, k.data[b * pv + j] == 0 { return false }
            if let mask, mask.data[base + g.maskOffsetsQuery[i] + g.maskOffsetsValue[j]] == 0 { return false }
            if causal && j > i { return false }
            if let window, abs(i - j) >= window { return false }
            return true
        }
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, masks: [], context: &context, tape: tape)
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forwardAll(inputs, masks: masks, context: &context, tape: tape)[0]
    }

    public var extraOutputShapes: [[Int]] { returnsScores ? [scoresShape] : [] }
    /// Whether the call asked for `use_causal_mask`.
    public var isCausal: Bool { causal }
    /// The input index of each call argument (query, value, key, attention_mask) present.
    public var inputSlots: [String: Int] { Dictionary(uniqueKeysWithValues: slot.map { ($0.key.rawValue, $0.value) }) }

    /// [output, attention weights (N, heads, query positions…, key positions…) when asked for].
    public func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor] {
        guard let g = geometry else { throw LayerError(name, "used before it was built") }
        let auto = try keyedMasks(inputs, masks)
        if context.mode == .training && dropout > 0 { throw LayerError(name, "attention dropout in training mode is not supported") }
        let query = inputs[slot[.query]!], value = inputs[slot[.value]!], key = slot[.key].map { inputs[$0] } ?? value
        let mask = slot[.mask].map { inputs[$0] }
        let n = query.shape[0], pq = g.queryPositions, pv = g.valuePositions
        let scale = Float(1 / Double(keyDim).squareRoot())
        let qp = project(query, 0, rows: n * pq).map { $0 * scale }             // (N·Pq, H·dk), scaled
        let kp = project(key, 1, rows: n * pv)                                  // (N·Pv, H·dk)
        let vp = project(value, valueIndex, rows: n * pv)                       // (N·Pv, H·dv)
        var context_ = [Float](repeating: 0, count: n * pq * heads * valueDim)  // (N·Pq, H·dv)
        var attention: [Float] = []
        for b in 0..<n {
            let allow = allowed(mask, auto: auto, sample: b, g)
            for (qRows, vRows) in zip(g.queryGroups, g.valueGroups) {
                let t = qRows.count, s = vRows.count
                for h in 0..<heads {
                    let q = gather(qp, base: b * pq * heads * keyDim, rows: qRows, head: h, dim: keyDim)   // (T, dk)
                    let k = gather(kp, base: b * pv * heads * keyDim, rows: vRows, head: h, dim: keyDim)   // (S, dk)
                    let v = gather(vp, base: b * pv * heads * valueDim, rows: vRows, head: h, dim: valueDim) // (S, dv)
                    var w = [Float](repeating: 0, count: t * s)                 // (T, S)
                    var o = [Float](repeating: 0, count: t * valueDim)          // (T, dv)
                    q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
                        w.withUnsafeMutableBufferPointer { wb in o.withUnsafeMutableBufferPointer { ob in
                            AttentionKernel.product(qb.baseAddress!, kb.baseAddress!, into: wb.baseAddress!, m: t, n: s, k: keyDim, transB: true)
                            AttentionKernel.softmaxRows(wb.baseAddress!, rows: t, cols: s, allowed: allow)
                            AttentionKernel.product(wb.baseAddress!, vb.baseAddress!, into: ob.baseAddress!, m: t, n: valueDim, k: s)
                        } }
                    } } }
                    scatterAdd(o, into: &context_, base: b * pq * heads * valueDim, rows: qRows, head: h, dim: valueDim)
                    if tape != nil || returnsScores { attention += w }
                }
            }
        }
        let ctx = Tensor(shape: [n * pq, heads * valueDim], data: context_)
        // use_gate: gate = sigmoid(query · W_gate + b_gate) (N·Pq, H·dv), multiplying the heads' outputs
        let gate = useGate ? Tensor(shape: ctx.shape, data: project(query, gateIndex, rows: n * pq).map { 1 / (1 + expf(-$0)) }) : nil
        let gated = gate.map { Tensor(shape: ctx.shape, data: zip(ctx.data, $0.data).map(*)) } ?? ctx
        let y = project(gated, outputIndex, rows: n * pq)                       // (N·Pq, out)
        if let tape {
            tape.saved = [Tensor(shape: [qp.count], data: qp), Tensor(shape: [kp.count], data: kp), Tensor(shape: [vp.count], data: vp),
                          Tensor(shape: [attention.count], data: attention), ctx] + (gate.map { [$0, gated] } ?? [])
        }
        let result = Tensor(shape: Array(query.shape.dropLast()) + (outputShape ?? [query.shape.last!]), data: y)
        return returnsScores ? [result, Tensor(shape: [n] + scoresShape, data: attention)] : [result]
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        try backwardAll([upstream], tape: tape, rule: rule, weightGradients: weightGradients)
    }

    /// From the gradients of the output and of the attention weights, either absent.
    public func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        guard let g = geometry else { throw LayerError(name, "used before it was built") }
        let dScores = upstreams.count > 1 ? upstreams[1] : nil                  // (N, heads, query…, key…), as `attention`
        let upstream = upstreams[0] ?? Tensor(zeros: tape.output.shape)
        let query = tape.inputs[slot[.query]!], value = tape.inputs[slot[.value]!], key = slot[.key].map { tape.inputs[$0] } ?? value
        let qp = tape.saved[0].data, kp = tape.saved[1].data, vp = tape.saved[2].data, attention = tape.saved[3].data
        let ctx = tape.saved[4]
        let n = query.shape[0], pq = g.queryPositions, pv = g.valuePositions
        let scale = Float(1 / Double(keyDim).squareRoot())
        var grads = weights.map { Tensor(zeros: $0.value.shape) }
        var dCtx = projectBackward(upstream.data, x: useGate ? tape.saved[6] : ctx, outputIndex, rows: n * pq, grads: &grads,
                                   weightGradients: weightGradients)           // (N·Pq, H·dv), of the gated context
        var dGatePre: [Float] = []                                              // through sigmoid: d·g·(1 − g)
        if useGate {
            let gate = tape.saved[5].data
            dGatePre = (0..<gate.count).map { dCtx.data[$0] * ctx.data[$0] * gate[$0] * (1 - gate[$0]) }
            for i in 0..<gate.count { dCtx.data[i] *= gate[i] }
        }
        var dq = [Float](repeating: 0, count: qp.count), dk = [Float](repeating: 0, count: kp.count), dv = [Float](repeating: 0, count: vp.count)
        var at = 0
        for b in 0..<n {
            for (qRows, vRows) in zip(g.queryGroups, g.valueGroups) {
                let t = qRows.count, s = vRows.count
                for h in 0..<heads {
                    let qBase = b * pq * heads * keyDim, kBase = b * pv * heads * keyDim, vBase = b * pv * heads * valueDim
                    let q = gather(qp, base: qBase, rows: qRows, head: h, dim: keyDim)          // (T, dk), scaled
                    let k = gather(kp, base: kBase, rows: vRows, head: h, dim: keyDim)          // (S, dk)
                    let v = gather(vp, base: vBase, rows: vRows, head: h, dim: valueDim)        // (S, dv)
                    let dO = gather(dCtx.data, base: b * pq * heads * valueDim, rows: qRows, head: h, dim: valueDim) // (T, dv)
                    let w = Array(attention[at..<at + t * s])
                    let wAt = at
                    at += t * s
                    var ds = [Float](repeating: 0, count: t * s), dV = [Float](repeating: 0, count: s * valueDim)
                    var dQ = [Float](repeating: 0, count: t * keyDim), dK = [Float](repeating: 0, count: s * keyDim)
                    dO.withUnsafeBufferPointer { ob in v.withUnsafeBufferPointer { vb in w.withUnsafeBufferPointer { wb in
                        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in
                            ds.withUnsafeMutableBufferPointer { sb in dV.withUnsafeMutableBufferPointer { dvb in
                                dQ.withUnsafeMutableBufferPointer { dqb in dK.withUnsafeMutableBufferPointer { dkb in
                                    AttentionKernel.product(ob.baseAddress!, vb.baseAddress!, into: sb.baseAddress!, m: t, n: s, k: valueDim,
                                                            transB: true)                // dW = dO·Vᵀ (T, S)
                                    AttentionKernel.product(wb.baseAddress!, ob.baseAddress!, into: dvb.baseAddress!, m: s, n: valueDim, k: t,
                                                            transA: true)                // dV = Wᵀ·dO (S, dv)
                                    if let dScores { for i in 0..<t * s { sb[i] += dScores.data[wAt + i] } }   // + the weights' own gradient
                                    AttentionKernel.softmaxRowsBackward(sb.baseAddress!, weights: wb.baseAddress!, rows: t, cols: s)
                                    AttentionKernel.product(sb.baseAddress!, kb.baseAddress!, into: dqb.baseAddress!, m: t, n: keyDim, k: s)
                                    AttentionKernel.product(sb.baseAddress!, qb.baseAddress!, into: dkb.baseAddress!, m: s, n: keyDim, k: t,
                                                            transA: true)                // dK = dSᵀ·Q (S, dk)
                                } }
                            } }
                        } }
                    } } }
                    scatterAdd(dQ.map { $0 * scale }, into: &dq, base: qBase, rows: qRows, head: h, dim: keyDim)
                    scatterAdd(dK, into: &dk, base: kBase, rows: vRows, head: h, dim: keyDim)
                    scatterAdd(dV, into: &dv, base: vBase, rows: vRows, head: h, dim: valueDim)
                }
            }
        }
        var inputs = tape.inputs.map { Tensor(zeros: $0.shape) }               // the mask's stays zero
        inputs[slot[.query]!] = projectBackward(dq, x: query, 0, rows: n * pq, grads: &grads, weightGradients: weightGradients)
        if useGate {
            inputs[slot[.query]!].add(projectBackward(dGatePre, x: query, gateIndex, rows: n * pq, grads: &grads, weightGradients: weightGradients))
        }
        let dKey = projectBackward(dk, x: key, 1, rows: n * pv, grads: &grads, weightGradients: weightGradients)
        inputs[slot[.value]!] = projectBackward(dv, x: value, valueIndex, rows: n * pv, grads: &grads, weightGradients: weightGradients)
        if let k = slot[.key] { inputs[k] = dKey } else { inputs[slot[.value]!].add(dKey) }
        return LayerGradients(inputs: inputs, weights: weightGradients ? grads : [])
    }
}

/// The query's mask is the output's (Keras sets it on the attention output); the weights carry none.
extension MultiHeadAttention: MultiOutputLayer {
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { try keyedMasks(inputs, masks).query }
}
