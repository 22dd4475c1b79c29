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
/// then through the score to query and key. Masks from Embedding/Masking (`mask=`) are refused at bind.
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
            throw LayerError(name, "the '\(k)' tensor argument is not supported (masks from Embedding(mask_zero)/Masking do not propagate yet)")
        }
        try AttentionCall.refuseScores(call, layer: name)
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
        return [q[0], v[1]]                                                     // (Tq, value features)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        if context.mode == .training && dropout > 0 { throw LayerError(name, "attention dropout in training mode is not supported") }
        let q = inputs[0], v = inputs[1], k = inputs.count == 3 ? inputs[2] : inputs[1]
        let n = q.shape[0], tq = q.shape[1], d = q.shape[2], tv = v.shape[1], dv = v.shape[2], dk = k.shape[2]
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
            s.withUnsafeMutableBufferPointer { AttentionKernel.softmaxRows($0.baseAddress!, rows: tq, cols: tv,
                                                                           allowed: causal ? { i, j in j <= i } : nil) }
            attention.replaceSubrange(b * tq * tv..<(b + 1) * tq * tv, with: s)
            s.withUnsafeBufferPointer { wp in v.data.withUnsafeBufferPointer { vp in out.data.withUnsafeMutableBufferPointer { op in
                AttentionKernel.product(wp.baseAddress!, vp.baseAddress! + b * tv * dv, into: op.baseAddress! + b * tq * dv,
                                        m: tq, n: dv, k: tv)                    // (Tq, Tv)·(Tv, Dv)
            } } }
            saved += cache
        }
        if let tape { tape.saved = [Tensor(shape: [n, tq, tv], data: attention), Tensor(shape: [saved.count], data: saved)] }
        return out
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
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
    /// `return_attention_scores=True` (a second output) and an explicit `mask=` argument (recorded as an option:
    /// the graph recomputes masks, and attention does not apply them yet) are refused at bind.
    static func refuseScores(_ call: LayerCall, layer: String) throws {
        if call.options["return_attention_scores"]?.boolValue == true {
            throw LayerError(layer, "return_attention_scores=True makes a second output, which attention layers do not produce yet")
        }
        if call.options["mask"] != nil {
            throw LayerError(layer, "the 'mask' argument is not supported (attention does not apply query/value masks yet)")
        }
    }

    /// Masks that reach an attention layer from Embedding(mask_zero)/Masking change Keras' scores; until they are
    /// applied here, a forward pass that meets one is refused rather than run without it.
    static func refuseInputMasks(_ masks: [Tensor?], layer: String) throws {
        if masks.contains(where: { $0 != nil }) {
            throw LayerError(layer, "an input carries a Keras mask (Embedding(mask_zero)/Masking), which attention layers do not apply yet")
        }
    }
}

extension ScoredAttention: MaskAware {
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { nil }
    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try AttentionCall.refuseInputMasks(masks, layer: name)
        return try forward(inputs, context: &context, tape: tape)
    }
}
