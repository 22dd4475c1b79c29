import Tensor

/// Keras `Dropout`: identity at inference. In training, zeroes each value with probability `rate`
/// and scales the kept ones by 1/(1 − rate) (inverted dropout), drawing from `context.random`;
/// `noise_shape` (size-1 axes share one draw) is honoured. The mask is kept in the tape.
public final class Dropout: Layer {
    public static let kerasClassNames = ["Dropout"]
    public let name: String
    public var className = "Dropout"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let rate: Float
    /// Full-rank noise shape (batch first); −1 means "the input's size".
    let noiseShape: [Int]?

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        rate = Float(try c.double(c.has("rate") ? "rate" : "p"))
        noiseShape = c.has("noise_shape") ? try c.intList("noise_shape") : nil
        guard rate >= 0, rate < 1 else { throw LayerError(name, "rate \(rate) must be in [0, 1)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        if let ns = noiseShape {
            let s = inputShapes[0]
            guard ns.count == s.count + 1, zip(ns.dropFirst(), s).allSatisfy({ $0 == -1 || $0 == 1 || $0 == $1 }) else {
                throw LayerError(name, "noise_shape \(ns) does not fit the input shape \(s)")
            }
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        guard context.mode == .training, rate > 0 else { return x }
        let shape = noiseShape.map { ns in zip(ns, x.shape).map { $0 == -1 ? $1 : $0 } } ?? x.shape
        return applyMask(x, dropoutMask(shape: shape, rate: rate, random: &context.random), tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [maskedGradient(upstream, tape: tape)])
    }
}

/// Inverted-dropout mask of `shape`: 0 with probability `rate`, else 1/(1 − rate).
func dropoutMask(shape: [Int], rate: Float, random: inout SeededRandom) -> Tensor {
    let keep = 1 / (1 - rate)
    var m = Tensor(zeros: shape)
    m.data.withUnsafeMutableBufferPointer { p in
        for i in p.indices { p[i] = random.uniform() < rate ? 0 : keep }
    }
    return m
}

/// x ⊙ mask (mask broadcast over its size-1 axes); the full-size mask goes to the tape.
func applyMask(_ x: Tensor, _ mask: Tensor, tape: Tape?) -> Tensor {
    let full = Merge.expand(mask, to: x.shape)
    var y = x
    y.data.withUnsafeMutableBufferPointer { yp in
        full.data.withUnsafeBufferPointer { mp in for i in yp.indices { yp[i] *= mp[i] } }
    }
    tape?.saved = [full]
    return y
}

/// upstream ⊙ the tape's mask; identity when forward ran without one (inference).
func maskedGradient(_ upstream: Tensor, tape: Tape) -> Tensor {
    guard let mask = tape.saved.first else { return upstream }
    var g = upstream
    g.data.withUnsafeMutableBufferPointer { gp in
        mask.data.withUnsafeBufferPointer { mp in for i in gp.indices { gp[i] *= mp[i] } }
    }
    return g
}
