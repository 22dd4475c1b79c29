import Tensor

/// Keras `SpatialDropout2D`: in training drops whole channels per sample (noise shape (N, 1, 1, C)),
/// scaling the kept ones by 1/(1 − rate); identity at inference.
public final class SpatialDropout2D: Layer {
    public static let kerasClassNames = ["SpatialDropout2D"]
    public let name: String
    public var className = "SpatialDropout2D"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let rate: Float

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        rate = Float(try c.double("rate"))
        guard rate >= 0, rate < 1 else { throw LayerError(name, "rate \(rate) must be in [0, 1)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard context.mode == .training, rate > 0 else { return x }
        guard x.rank == 4 else { throw LayerError(name, "input of shape \(x.shape) is not (N, H, W, C)") }
        let mask = dropoutMask(shape: [x.batch, 1, 1, x.shape[3]], rate: rate, random: &context.random)  // (N, 1, 1, C)
        return applyMask(x, mask, tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [maskedGradient(upstream, tape: tape)])
    }
}
