import Foundation
import Tensor

/// Keras `Attention` (Luong-style): `score_mode` "dot" scores q·kᵀ (times `scale` with `use_scale`),
/// "concat" scores c·Σ_d tanh(a·(q_d + k_d)) with c its `concat_score_weight` and a its `scale` (1 without
/// `use_scale`). Variables: scale (scalar, with use_scale), concat_score_weight (scalar, concat), both
/// initialized to one. The layer around it: `ScoredAttention`.
public typealias Attention = ScoredAttention<DotProductScore>

public struct DotProductScore: AttentionScore {
    public static let kerasClassNames = ["Attention"]
    public static let kerasConfigKeys: Set<String> = ["use_scale", "score_mode"]
    public static func keras3VariableNames(config: JSON) -> [String] {
        (config["use_scale"]?.boolValue ?? false ? ["scale"] : [])
            + (config["score_mode"]?.stringValue == "concat" ? ["concat_score_weight"] : [])
    }
    enum Mode: String { case dot, concat }
    let useScale: Bool
    let mode: Mode

    public init(layer: String, config: JSON) throws {
        let c = LayerConfig(layer: layer, json: config)
        useScale = try c.bool("use_scale", default: false)
        let m = try c.string("score_mode", default: "dot")
        guard let mode = Mode(rawValue: m) else { throw LayerError(layer, "score_mode '\(m)' is not one of (dot, concat)") }
        self.mode = mode
    }

    public func variables(queryDim: Int, keyDim: Int, layer: String) throws -> [WeightVariable] {
        guard queryDim == keyDim else { throw LayerError(layer, "query features \(queryDim) and key features \(keyDim) differ") }
        var vars: [WeightVariable] = []
        for (on, name) in [(useScale, "scale"), (mode == .concat, "concat_score_weight")] where on {
            var v = try WeightVariable(name: name, shape: [])
            v.value = Tensor(repeating: 1, shape: [])
            vars.append(v)
        }
        return vars
    }

    private func scale(_ w: [WeightVariable]) -> Float { useScale ? w[0].value.data[0] : 1 }
    private func concatWeight(_ w: [WeightVariable]) -> Float { w[useScale ? 1 : 0].value.data[0] }

    public func scores(q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                       weights: [WeightVariable]) -> (scores: [Float], saved: [Float]) {
        if mode == .concat {
            let r = AttentionKernel.additiveScores(q: q, k: k, t: t, s: s, d: d, w: nil, a: scale(weights), c: concatWeight(weights))
            return (r.scores, r.tanh)
        }
        var raw = [Float](repeating: 0, count: t * s)                           // q·kᵀ (T, S)
        raw.withUnsafeMutableBufferPointer { AttentionKernel.product(q, k, into: $0.baseAddress!, m: t, n: s, k: d, transB: true) }
        guard useScale else { return (raw, []) }
        let a = scale(weights)
        return (raw.map { $0 * a }, raw)
    }

    public func backward(_ ds: [Float], saved: [Float], q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                         weights: [WeightVariable], dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>) -> [[Float]] {
        if mode == .concat {
            let r = AttentionKernel.additiveScoresBackward(ds, tanh: saved, q: q, k: k, t: t, s: s, d: d, w: nil,
                                                           a: scale(weights), c: concatWeight(weights), dq: dq, dk: dk)
            return (useScale ? [[r.da]] : []) + [[r.dc]]
        }
        let a = scale(weights)
        let g = ds.map { $0 * a }                                               // d(q·kᵀ)
        g.withUnsafeBufferPointer { gp in
            AttentionKernel.product(gp.baseAddress!, k, into: dq, m: t, n: d, k: s, accumulate: true)               // dQ += G·K
            AttentionKernel.product(gp.baseAddress!, q, into: dk, m: s, n: d, k: t, transA: true, accumulate: true) // dK += Gᵀ·Q
        }
        guard useScale else { return [] }
        var da: Float = 0
        for i in ds.indices { da += ds[i] * saved[i] }
        return [[da]]
    }
}
