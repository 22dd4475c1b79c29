import Tensor

/// Keras `AlphaDropout`: identity at inference. In training, as Keras: a value is kept with probability
/// 1 − rate (`noise_shape` axes of size 1 share one draw), a dropped one set to α' = −λα (SELU's
/// saturation), then y = a·x' + b with a = ((1 − rate)(1 + rate·α'²))^(−1/2), b = −a·α'·rate, which keeps
/// SELU's mean and variance. Backward: dx = g · a · kept (a·kept is kept on the tape).
public typealias AlphaDropout = NoiseLayer<AlphaDropoutNoise>

public struct AlphaDropoutNoise: TrainingNoise {
    public static let kerasClassNames = ["AlphaDropout"]
    public static let kerasConfigKeys = DropoutNoise.kerasConfigKeys
    /// Rate and noise shape, read and checked as Dropout's.
    let dropout: DropoutNoise

    public init(_ c: LayerConfig) throws {
        dropout = try DropoutNoise(c)
    }

    public func check(_ inputShapes: [[Int]], layer: String) throws { try dropout.check(inputShapes, layer: layer) }

    public var perturbs: Bool { dropout.perturbs }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        let rate = dropout.rate
        let alphaP = Float(-1.6732632423543772848170429916717 * 1.0507009873554804934193349852946)
        let a = 1 / ((1 - rate) * (1 + rate * alphaP * alphaP)).squareRoot(), b = -a * alphaP * rate
        let shape = dropout.noiseShape.map { ns in zip(ns, x.shape).map { $0 == -1 ? $1 : $0 } } ?? x.shape
        let kept = Merge.expand(dropoutMask(shape: shape, rate: rate, random: &random), to: x.shape)  // 0 or 1/(1 − rate)
        var y = x                                                             // (N, …), shape kept
        var slope = kept                                                      // a where kept, else 0
        y.data.withUnsafeMutableBufferPointer { yp in
            slope.data.withUnsafeMutableBufferPointer { sp in
                for i in yp.indices {
                    let keep = sp[i] > 0
                    yp[i] = a * (keep ? yp[i] : alphaP) + b
                    sp[i] = keep ? a : 0
                }
            }
        }
        tape?.saved = [slope]
        return y
    }
}
