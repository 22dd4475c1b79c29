import Foundation
import Tensor

/// How an attention kind scores each query against each key, for one sample: `Attention`'s dot product
/// or concat form, `AdditiveAttention`'s sum of tanh. Forward and backward side by side.
public protocol AttentionScore {
    static var kerasClassNames: [String] { get }
    static var kerasConfigKeys: Set<String> { get }
    static func keras3VariableNames(config: JSON) -> [String]
    init(layer: String, config: JSON) throws
    /// The variables for queries and keys of `dim` features (the key's last axis), initialized as Keras does.
    func variables(queryDim: Int, keyDim: Int, layer: String) throws -> [WeightVariable]
    /// Scores (T×S) of q (T×D) against k (S×D), and what the backward pass needs.
    func scores(q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int, weights: [WeightVariable]) -> (scores: [Float], saved: [Float])
    /// From dScores (T×S): adds to dq and dk, and returns one gradient per variable (summed over samples by the caller).
    func backward(_ ds: [Float], saved: [Float], q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                  weights: [WeightVariable], dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>) -> [[Float]]
}

/// Keras `Attention` and `AdditiveAttention` (one layer class over an `AttentionScore`): called with
/// `[query, value]` or `[query, value, key]` (key = value when absent), each (batch, steps, features):
/// scores S = score(query, key) (Tq×Tv); with `use_causal_mask` a query step i sees keys j ≤ i (the others
/// drop by 10⁹ before the softmax); W = softmax(S) along keys; output W·value (Tq × value features).
/// `dropout` is the identity at inference. Backward: dW = dO·Vᵀ, dV = Wᵀ·dO, dS = W ⊙ (dW − Σ dW⊙W),
/// then through the score to query and key. Keras masks (Embedding(mask_zero)/Masking upstream): the value's
/// (N, Tv) mask drops masked keys by 10⁹ before the softmax (with the causal mask), the query's (N, Tq) mask
/// zeroes the output rows it masks and is the output's mask, as Keras' `Attention.call`/`compute_mask`.
/// With `return_attention_scores=True` the weights W (N, Tq, Tv) are a second output (`MultiOutput.swift`),
/// whose gradient joins dW before the softmax's backward.
public final class ScoredAttention<Score: AttentionScore>: CallBindingLayer {
    public static var kerasClassNames: [String] { Score.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { Score.kerasConfigKeys.union(["dropout", "seed", "causal"]) }
    public static func keras3VariableNames(config: JSON) -> [String] { Score.keras3VariableNames(config: config) }
    /// One list argument `[query, value, key]`.
    public static var kerasCallArguments: [String] { [] }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let score: Score
    private var causal: Bool
    private var call: LayerCall?
    let dropout: Double
    /// Whether the call asked for the attention weights as a second output, and their (Tq, Tv) once built.
    private var returnsScores = false
    private var scoresShape: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        score = try Score(layer: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        causal = try c.bool("causal", default: false)                          // tf.keras 2.4–2.9
        dropout = try c.double("dropout", default: 0)
    }

    public func bind(_ call: LayerCall) throws {
        if let bound = self.call {
            guard bound == call else { throw LayerError(name, "shared layer called with different arguments at its nodes") }
            return
        }
        if let k = call.keywords.compactMap({ $0 }).first {
            throw LayerError(name, "the '\(k)' tensor argument is not supported (masks from Embedding(mask_zero)/Masking reach the layer by themselves)")
        }
        returnsScores = try AttentionCall.returnsScores(call, layer: name)
        if let c = call.options["use_causal_mask"] {
            guard let b = c.boolValue else { throw LayerError(name, "use_causal_mask \(c.serialized()) is not a boolean") }
            causal = causal || b
        }
        self.call = call
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 2 || inputShapes.count == 3 else {
            throw LayerError(name, "expects [query, value] or [query, value, key], got \(inputShapes.count) inputs")
        }
        let q = inputShapes[0], v = inputShapes[1], k = inputShapes.count == 3 ? inputShapes[2] : inputShapes[1]
        guard q.count == 2, v.count == 2, k.count == 2 else {
            throw LayerError(name, "query, value and key must be (steps, features) per sample, got \(inputShapes)")
        }
        guard v[0] == k[0] else { throw LayerError(name, "value \(v) and key \(k) differ in steps") }
        weights = try score.variables(queryDim: q[1], keyDim: k[1], layer: name)
        scoresShape = [q[0], v[0]]                                              // (Tq, Tv)
        return [q[0], v[1]]                                                     // (Tq, value features)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, masks: [], context: &context, tape: tape)
    }

    /// The (N, T) masks of the query and the value (nil: none), checked against the inputs.
    private func queryValueMasks(_ inputs: [Tensor], _ masks: [Tensor?]) throws -> (query: Tensor?, value: Tensor?) {
        let m = (0..<2).map { masks.indices.contains($0) ? masks[$0] : nil }
        return (try Masks.steps(m[0], of: inputs[0], layer: name), try Masks.steps(m[1], of: inputs[1], layer: name))
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forwardAll(inputs, masks: masks, context: &context, tape: tape)[0]
    }

    public var extraOutputShapes: [[Int]] { returnsScores ? [scoresShape] : [] }
    /// Whether the scores of later steps are masked (`causal` in the config or `use_causal_mask` at the call).
    public var isCausal: Bool { causal }

    /// [output (N, Tq, Dv), attention weights (N, Tq, Tv)].
    public func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor] {
        if context.mode == .training && dropout > 0 { throw LayerError(name, "attention dropout in training mode is not supported") }
        let q = inputs[0], v = inputs[1], k = inputs.count == 3 ? inputs[2] : inputs[1]
        let n = q.shape[0], tq = q.shape[1], d = q.shape[2], tv = v.shape[1], dv = v.shape[2], dk = k.shape[2]
        let (queryMask, valueMask) = try queryValueMasks(inputs, masks)         // (N, Tq), (N, Tv)
        var out = Tensor(zeros: [n, tq, dv])                                    // (N, Tq, Dv)
        var attention = [Float](repeating: 0, count: n * tq * tv)               // (N, Tq, Tv)
        var saved: [Float] = []
        let causal = causal
        for b in 0..<n {
            var (s, cache) = q.data.withUnsafeBufferPointer { qp in
                k.data.withUnsafeBufferPointer { kp in
                    score.scores(q: qp.baseAddress! + b * tq * d, k: kp.baseAddress! + b * tv * dk, t: tq, s: tv, d: d, weights: weights)
                }
            }
            let allowed: ((Int, Int) -> Bool)? = causal || valueMask != nil
                ? { i, j in (!causal || j <= i) && (valueMask.map { $0.data[b * tv + j] != 0 } ?? true) } : nil
            s.withUnsafeMutableBufferPointer { AttentionKernel.softmaxRows($0.baseAddress!, rows: tq, cols: tv, allowed: allowed) }
            attention.replaceSubrange(b * tq * tv..<(b + 1) * tq * tv, with: s)
            s.withUnsafeBufferPointer { wp in v.data.withUnsafeBufferPointer { vp in out.data.withUnsafeMutableBufferPointer { op in
                AttentionKernel.product(wp.baseAddress!, vp.baseAddress! + b * tv * dv, into: op.baseAddress! + b * tq * dv,
                                        m: tq, n: dv, k: tv)                    // (Tq, Tv)·(Tv, Dv)
            } } }
            saved += cache
        }
        if let queryMask { Self.zeroMaskedRows(&out, queryMask) }              // masked queries output zeros
        let w = Tensor(shape: [n, tq, tv], data: attention)
        if let tape { tape.saved = [w, Tensor(shape: [saved.count], data: saved)] }
        return [out, w]
    }

    /// `x` (N, T, F) with the rows of the positions `mask` (N, T) masks set to zero.
    static func zeroMaskedRows(_ x: inout Tensor, _ mask: Tensor) {
        let f = x.shape[2]
        for p in 0..<mask.count where mask.data[p] == 0 { for i in p * f..<(p + 1) * f { x.data[i] = 0 } }
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        try backwardAll([upstream], tape: tape, rule: rule, weightGradients: weightGradients)
    }

    /// From the gradients of the output (N, Tq, Dv) and of the weights (N, Tq, Tv), either absent.
    public func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let dScores = upstreams.count > 1 ? upstreams[1] : nil                  // (N, Tq, Tv)
        var upstream = upstreams[0] ?? Tensor(zeros: Array(tape.inputs[0].shape.dropLast()) + [tape.inputs[1].shape[2]])
        if let queryMask = try queryValueMasks(tape.inputs, tape.masks).query { Self.zeroMaskedRows(&upstream, queryMask) }
        let q = tape.inputs[0], v = tape.inputs[1], k = tape.inputs.count == 3 ? tape.inputs[2] : tape.inputs[1]
        let n = q.shape[0], tq = q.shape[1], d = q.shape[2], tv = v.shape[1], dv = v.shape[2], dk = k.shape[2]
        let w = tape.saved[0].data, cache = tape.saved[1].data, per = cache.count / max(n, 1)
        var dq = Tensor(zeros: q.shape), dvT = Tensor(zeros: v.shape), dkT = Tensor(zeros: k.shape)
        var dWeights = weights.map { [Float](repeating: 0, count: $0.value.count) }
        for b in 0..<n {
            var ds = [Float](repeating: 0, count: tq * tv)                      // dW, then dS (Tq, Tv)
            upstream.data.withUnsafeBufferPointer { gp in w.withUnsafeBufferPointer { wp in v.data.withUnsafeBufferPointer { vp in
                dvT.data.withUnsafeMutableBufferPointer { dvp in ds.withUnsafeMutableBufferPointer { dsp in
                    let g = gp.baseAddress! + b * tq * dv, wb = wp.baseAddress! + b * tq * tv
                    AttentionKernel.product(g, vp.baseAddress! + b * tv * dv, into: dsp.baseAddress!, m: tq, n: tv, k: dv,
                                            transB: true)                       // dW = dO·Vᵀ (Tq, Tv)
                    AttentionKernel.product(wb, g, into: dvp.baseAddress! + b * tv * dv, m: tv, n: dv, k: tq,
                                            transA: true)                       // dV = Wᵀ·dO (Tv, Dv)
                    if let dScores { for i in 0..<tq * tv { dsp[i] += dScores.data[b * tq * tv + i] } }   // + the weights' own gradient
                    AttentionKernel.softmaxRowsBackward(dsp.baseAddress!, weights: wb, rows: tq, cols: tv)
                } }
            } } }
            let grads = q.data.withUnsafeBufferPointer { qp in k.data.withUnsafeBufferPointer { kp in
                dq.data.withUnsafeMutableBufferPointer { dqp in dkT.data.withUnsafeMutableBufferPointer { dkp in
                    score.backward(ds, saved: Array(cache[b * per..<(b + 1) * per]), q: qp.baseAddress! + b * tq * d,
                                   k: kp.baseAddress! + b * tv * dk, t: tq, s: tv, d: d, weights: weights,
                                   dq: dqp.baseAddress! + b * tq * d, dk: dkp.baseAddress! + b * tv * dk)
                } }
            } }
            for i in grads.indices { for j in grads[i].indices { dWeights[i][j] += grads[i][j] } }
        }
        var inputs = [dq, dvT]
        if tape.inputs.count == 3 { inputs.append(dkT) } else { inputs[1].add(dkT) }   // key = value
        return LayerGradients(inputs: inputs, weights: weightGradients
                              ? zip(dWeights, weights).map { Tensor(shape: $1.value.shape, data: $0) } : [])
    }
}

/// Call arguments every attention kind refuses.
enum AttentionCall {
    /// Whether the call passed `return_attention_scores=True` (the weights as a second output). An explicit
    /// `mask=` argument is recorded as an option: the graph recomputes the masks it carried and the layer applies them.
    static func returnsScores(_ call: LayerCall, layer: String) throws -> Bool {
        guard let r = call.options["return_attention_scores"] else { return false }
        guard let b = r.boolValue else { throw LayerError(layer, "return_attention_scores \(r.serialized()) is not a boolean") }
        return b
    }
}

/// The query's mask is the output's (Keras' `compute_mask`); the weights carry none.
extension ScoredAttention: MultiOutputLayer {
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { try queryValueMasks(inputs, masks).query }
}
