import Tensor

/// Keras `GaussianNoise`: in training adds N(0, stddev²) noise from `context.random`; identity at
/// inference. The noise is additive, so the gradient passes unchanged.
public final class GaussianNoise: Layer {
    public static let kerasClassNames = ["GaussianNoise"]
    public let name: String
    public var className = "GaussianNoise"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let stddev: Float

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        stddev = Float(try c.double(c.has("stddev") ? "stddev" : "sigma"))
        guard stddev >= 0 else { throw LayerError(name, "stddev \(stddev) must not be negative") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]
        guard context.mode == .training, stddev > 0 else { return y }
        let sd = stddev
        y.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] += sd * context.random.normal() }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream])
    }
}
