import Foundation
import Tensor

/// Keras `GaussianDropout`: in training multiplies by noise N(1, σ²) with σ = √(rate / (1 − rate))
/// (Keras' stddev); identity at inference. The multiplier is kept in the tape for backward.
public final class GaussianDropout: Layer {
    public static let kerasClassNames = ["GaussianDropout"]
    public let name: String
    public var className = "GaussianDropout"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let rate: Float

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        rate = Float(try c.double(c.has("rate") ? "rate" : "p"))
        guard rate >= 0, rate < 1 else { throw LayerError(name, "rate \(rate) must be in [0, 1)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        guard context.mode == .training, rate > 0 else { return x }
        let sigma = (rate / (1 - rate)).squareRoot()
        var mask = Tensor(zeros: x.shape)
        mask.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = 1 + sigma * context.random.normal() }
        }
        return applyMask(x, mask, tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [maskedGradient(upstream, tape: tape)])
    }
}
