import Tensor

/// Keras `Dropout`: identity at inference. In training, zeroes each value with probability `rate`
/// and scales the kept ones by 1/(1 − rate) (inverted dropout), drawing from `context.random`;
/// `noise_shape` (size-1 axes share one draw) is honoured. The mask is kept in the tape.
public typealias Dropout = NoiseLayer<DropoutNoise>

public struct DropoutNoise: TrainingNoise {
    public static let kerasClassNames = ["Dropout"]
    public static let kerasConfigKeys: Set<String> = ["noise_shape", "rate", "seed"]
    let rate: Float
    /// Full-rank noise shape (batch first); −1 means "the input's size".
    let noiseShape: [Int]?

    public init(_ c: LayerConfig) throws {
        rate = try dropoutRate(c, keys: ["rate", "p"])
        noiseShape = c.has("noise_shape") ? try c.intList("noise_shape") : nil
    }

    public func check(_ inputShapes: [[Int]], layer: String) throws {
        guard inputShapes.count == 1 else { throw LayerError(layer, "expects one input") }
        if let ns = noiseShape {
            let s = inputShapes[0]
            guard ns.count == s.count + 1, zip(ns.dropFirst(), s).allSatisfy({ $0 == -1 || $0 == 1 || $0 == $1 }) else {
                throw LayerError(layer, "noise_shape \(ns) does not fit the input shape \(s)")
            }
        }
    }

    public var perturbs: Bool { rate > 0 }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        let shape = noiseShape.map { ns in zip(ns, x.shape).map { $0 == -1 ? $1 : $0 } } ?? x.shape
        if shape == x.shape { return maskedDropout(x, rate: rate, random: &random, tape: tape) }
        return applyMask(x, dropoutMask(shape: shape, rate: rate, random: &random), tape: tape)
    }
}
