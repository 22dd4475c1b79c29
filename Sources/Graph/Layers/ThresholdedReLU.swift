import Tensor

/// Keras 2 / tf-keras `ThresholdedReLU` (not in Keras 3): y = x where x > θ (`theta`, default 1), else 0.
/// Backward: dx = g where x > θ, else 0.
public final class ThresholdedReLU: Layer {
    public static let kerasClassNames = ["ThresholdedReLU"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["theta"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let theta: Float

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        theta = Float(try LayerConfig(layer: name, json: config).double("theta", default: 1))
        guard theta >= 0 else { throw LayerError(name, "theta \(theta) must be at least 0 (as Keras requires)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]                                                     // (N, …), shape kept
        let t = theta
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices where !(p[i] > t) { p[i] = 0 } }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream                                                      // (N, …)
        let t = theta
        g.data.withUnsafeMutableBufferPointer { gp in
            tape.inputs[0].data.withUnsafeBufferPointer { xp in for i in gp.indices where !(xp[i] > t) { gp[i] = 0 } }
        }
        return LayerGradients(inputs: [g])
    }
}
