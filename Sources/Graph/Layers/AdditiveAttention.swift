import Foundation
import Tensor

/// Keras `AdditiveAttention` (Bahdanau-style): scores Σ_d scale_d · tanh(q_d + k_d), `scale` (features,)
/// a variable with `use_scale` (default), else 1. The layer around it: `ScoredAttention`.
public typealias AdditiveAttention = ScoredAttention<AdditiveScore>

public struct AdditiveScore: AttentionScore {
    public static let kerasClassNames = ["AdditiveAttention"]
    public static let kerasConfigKeys: Set<String> = ["use_scale"]
    public static func keras3VariableNames(config: JSON) -> [String] { config["use_scale"]?.boolValue ?? true ? ["scale"] : [] }
    let useScale: Bool

    public init(layer: String, config: JSON) throws {
        useScale = try LayerConfig(layer: layer, json: config).bool("use_scale", default: true)
    }

    public func variables(queryDim: Int, keyDim: Int, layer: String) throws -> [WeightVariable] {
        guard queryDim == keyDim else { throw LayerError(layer, "query features \(queryDim) and key features \(keyDim) differ") }
        return useScale ? [try WeightVariable(name: "scale", shape: [keyDim])] : []
    }

    public func scores(q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                       weights: [WeightVariable]) -> (scores: [Float], saved: [Float]) {
        let r = AttentionKernel.additiveScores(q: q, k: k, t: t, s: s, d: d, w: useScale ? weights[0].value.data : nil, a: 1, c: 1)
        return (r.scores, r.tanh)
    }

    public func backward(_ ds: [Float], saved: [Float], q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                         weights: [WeightVariable], dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>) -> [[Float]] {
        let r = AttentionKernel.additiveScoresBackward(ds, tanh: saved, q: q, k: k, t: t, s: s, d: d,
                                                       w: useScale ? weights[0].value.data : nil, a: 1, c: 1, dq: dq, dk: dk)
        return useScale ? [r.dw] : []
    }
}
