import Foundation
import Tensor

/// Keras `GroupNormalization`: the channels of `axis` (default −1) split into `groups` consecutive groups
/// (−1: one per channel); per sample and group, over the group's channels and every other axis:
/// y = (x − μ)/√(σ² + ε)·γ + β, γ and β per channel. Weights: gamma (if `scale`), beta (if `center`).
public final class GroupNormalization: Layer {
    public static let kerasClassNames = ["GroupNormalization"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = [
        "groups", "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
        "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
    ]
    public static let role = LayerRole.normalization

    public static func keras3VariableNames(config: JSON) -> [String] {
        (config["scale"]?.boolValue ?? true ? ["gamma"] : []) + (config["center"]?.boolValue ?? true ? ["beta"] : [])
    }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let epsilon: Float
    let hasGamma: Bool
    let hasBeta: Bool
    private var groupCount: Int
    private var axis = 0

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        epsilon = Float(try c.double("epsilon", default: 1e-3))
        hasGamma = try c.bool("scale", default: true)
        hasBeta = try c.bool("center", default: true)
        groupCount = try c.int("groups", default: 32)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        let shape = inputShapes[0]
        let axes = try NormalizationGroups.axes(config["axis"], default: [-1], rank: shape.count + 1, layer: name)
        guard axes.count == 1 else { throw LayerError(name, "axis must be one axis, found \(axes)") }
        axis = axes[0]
        let channels = shape[axis - 1]
        if groupCount == -1 { groupCount = channels }
        guard groupCount > 0, channels % groupCount == 0 else {
            throw LayerError(name, "\(groupCount) groups do not divide the \(channels) channels of axis \(axis)")
        }
        weights = []
        if hasGamma {
            weights.append(try WeightVariable(name: "gamma", shape: [channels]))
            weights[0].value = Tensor(repeating: 1, shape: [channels])
        }
        if hasBeta { weights.append(try WeightVariable(name: "beta", shape: [channels])) }
        return shape
    }

    /// Statistics per (sample, group): the (sample, channel) index coarsened to its group.
    private func groups(_ shape: [Int]) -> NormalizationGroups {
        let channels = shape[axis], perGroup = channels / groupCount, g = groupCount
        return NormalizationGroups(shape: shape, reduced: (1..<shape.count).filter { $0 != axis }, parameterAxes: [axis],
                                   groupOf: { ($0 / channels) * g + ($0 % channels) / perGroup }, groupCount: shape[0] * g)
    }
    private var gamma: [Float]? { hasGamma ? weights[0].value.data : nil }
    private var beta: [Float]? { hasBeta ? weights[hasGamma ? 1 : 0].value.data : nil }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, …, C, …), shape kept
        let groups = groups(x.shape)
        let (mean, invStd) = groups.moments(x.data, epsilon: epsilon)        // (N·groups)
        var xhat = x.data
        for i in xhat.indices { xhat[i] = (xhat[i] - mean[groups.group[i]]) * invStd[groups.group[i]] }
        if let tape { tape.saved = [Tensor(shape: x.shape, data: xhat), Tensor(shape: [invStd.count], data: invStd)] }
        return Tensor(shape: x.shape, data: groups.affine(xhat, gamma: gamma, beta: beta))
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let groups = groups(upstream.shape)
        let xhat = tape.saved[0].data, invStd = tape.saved[1].data
        let (gh, grads) = groups.affineBackward(upstream.data, normalized: xhat, gamma: gamma, hasBeta: hasBeta,
                                                parameterShape: [groups.parameterCount], weightGradients: weightGradients)
        let dx = groups.standardizeBackward(gh, normalized: xhat, centeredValues: xhat, invStd: invStd, centered: true)
        return LayerGradients(inputs: [Tensor(shape: upstream.shape, data: dx)], weights: grads)  // (N, …, C, …)
    }
}
