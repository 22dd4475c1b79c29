import Foundation
import Tensor

/// Keras `LayerNormalization`: per sample, over the axes `axis` (an int or a list; the batch is axis 0):
/// y = (x − μ)/√(σ² + ε)·γ + β, γ and β shaped as the normalized axes (in increasing order).
/// Keras 3's deprecated `rms_scaling` divides by the same √(σ² + ε) without centering and keeps γ only:
/// y = x/√(σ² + ε)·γ. Weights: gamma (if `scale` or `rms_scaling`), beta (if `center` and not `rms_scaling`).
public final class LayerNormalization: Layer {
    public static let kerasClassNames = ["LayerNormalization"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = [
        "axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer",
        "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
    ]
    public static let role = LayerRole.normalization

    public static func keras3VariableNames(config: JSON) -> [String] {
        let rms = config["rms_scaling"]?.boolValue ?? false
        return (config["scale"]?.boolValue ?? true || rms ? ["gamma"] : [])
            + (config["center"]?.boolValue ?? true && !rms ? ["beta"] : [])
    }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let epsilon: Float
    let hasGamma: Bool
    let hasBeta: Bool
    let rmsScaling: Bool
    private var axes: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        epsilon = Float(try c.double("epsilon", default: 1e-3))
        rmsScaling = try c.bool("rms_scaling", default: false)
        hasGamma = try c.bool("scale", default: true) || rmsScaling
        hasBeta = try c.bool("center", default: true) && !rmsScaling
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        let shape = inputShapes[0]
        axes = try NormalizationGroups.axes(config["axis"], default: [-1], rank: shape.count + 1, layer: name)
        let parameterShape = axes.map { shape[$0 - 1] }
        weights = []
        if hasGamma {
            weights.append(try WeightVariable(name: "gamma", shape: parameterShape))
            weights[0].value = Tensor(repeating: 1, shape: parameterShape)
        }
        if hasBeta { weights.append(try WeightVariable(name: "beta", shape: parameterShape)) }
        return shape
    }

    private func groups(_ shape: [Int]) -> NormalizationGroups {
        NormalizationGroups(shape: shape, reduced: axes, parameterAxes: axes)
    }
    private var gamma: [Float]? { hasGamma ? weights[0].value.data : nil }
    private var beta: [Float]? { hasBeta ? weights[hasGamma ? 1 : 0].value.data : nil }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, …), shape kept
        let groups = groups(x.shape)
        let (mean, invStd) = groups.moments(x.data, epsilon: epsilon)        // per sample
        var xhat = x.data
        for i in xhat.indices {
            let k = groups.group[i]
            xhat[i] = rmsScaling ? xhat[i] * invStd[k] : (xhat[i] - mean[k]) * invStd[k]
        }
        if let tape { tape.saved = [Tensor(shape: x.shape, data: xhat), Tensor(shape: [mean.count], data: mean),
                                    Tensor(shape: [invStd.count], data: invStd)] }
        return Tensor(shape: x.shape, data: groups.affine(xhat, gamma: gamma, beta: beta))
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let groups = groups(upstream.shape)
        let xhat = tape.saved[0].data, mean = tape.saved[1].data, invStd = tape.saved[2].data
        let (gh, grads) = groups.affineBackward(upstream.data, normalized: xhat, gamma: gamma, hasBeta: hasBeta,
                                                parameterShape: weights.first?.value.shape ?? [],
                                                weightGradients: weightGradients)
        // x̃ = (x − μ)·s: x̂ itself when centered, x̂ − μ·s under rms_scaling.
        let xt = rmsScaling ? xhat.indices.map { xhat[$0] - mean[groups.group[$0]] * invStd[groups.group[$0]] } : xhat
        let dx = groups.standardizeBackward(gh, normalized: xhat, centeredValues: xt, invStd: invStd, centered: !rmsScaling)
        return LayerGradients(inputs: [Tensor(shape: upstream.shape, data: dx)], weights: grads)  // (N, …)
    }
}
