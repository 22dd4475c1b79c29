import Tensor

/// Keras' spatial dropouts (`SpatialDropout1D`, `SpatialDropout2D`, `SpatialDropout3D`): in training each
/// sample drops whole channels (noise shape (N, 1…, C), one 1 per spatial axis of `Rank`), scaling the kept
/// ones by 1/(1 − rate); identity at inference.
public struct ChannelDropoutNoise<Rank: SpatialRank>: ChannelwiseNoise {
    public static var kerasClassNames: [String] { Rank.classNames(["SpatialDropout"]) }
    public static var kerasConfigKeys: Set<String> { ["data_format", "noise_shape", "rate", "seed"] }
    let rate: Float

    public init(_ c: LayerConfig) throws {
        try c.requireChannelsLast()
        rate = try dropoutRate(c, keys: ["rate"])
    }

    public func check(_ inputShapes: [[Int]], layer: String) throws {
        guard inputShapes.count == 1, inputShapes[0].count == Rank.rank + 1 else {
            throw LayerError(layer, "expects one \(Rank.sampleAxes) input, got \(inputShapes)")
        }
    }

    public var perturbs: Bool { rate > 0 }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        guard x.rank == Rank.rank + 2 else { throw LayerError(layer, "input of shape \(x.shape) is not \(Rank.batchAxes)") }
        let shape = [x.batch] + [Int](repeating: 1, count: Rank.rank) + [x.shape[x.rank - 1]]   // (N, 1…, C)
        return applyMask(x, dropoutMask(shape: shape, rate: rate, random: &random), tape: tape)
    }
}

/// The noises that drop whole channels: their layers take `data_format: "channels_first"` through
/// `ChannelsFirst` (the noise shape is then (N, C, 1…)).
public protocol ChannelwiseNoise: TrainingNoise {}

extension NoiseLayer: ChannelsFirstCapable where Noise: ChannelwiseNoise {}
