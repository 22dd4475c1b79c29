import Foundation
import Tensor

/// Keras `GaussianDropout`: in training multiplies by noise N(1, σ²) with σ = √(rate / (1 − rate))
/// (Keras' stddev); identity at inference. The multiplier is kept in the tape for backward.
public typealias GaussianDropout = NoiseLayer<MultiplicativeGaussianNoise>

public struct MultiplicativeGaussianNoise: TrainingNoise {
    public static let kerasClassNames = ["GaussianDropout"]
    public static let kerasConfigKeys: Set<String> = ["rate", "seed"]
    let rate: Float

    public init(_ c: LayerConfig) throws {
        rate = try dropoutRate(c, keys: ["rate", "p"])
    }

    public var perturbs: Bool { rate > 0 }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        let sigma = (rate / (1 - rate)).squareRoot()
        var mask = Tensor(zeros: x.shape)
        mask.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = 1 + sigma * random.normal() }
        }
        return applyMask(x, mask, tape: tape)
    }
}
