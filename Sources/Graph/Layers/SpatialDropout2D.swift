import Tensor

/// Keras `SpatialDropout2D`: in training drops whole channels per sample (noise shape (N, 1, 1, C)),
/// scaling the kept ones by 1/(1 − rate); identity at inference.
public typealias SpatialDropout2D = NoiseLayer<ChannelDropoutNoise>

public struct ChannelDropoutNoise: TrainingNoise {
    public static let kerasClassNames = ["SpatialDropout2D"]
    public static let kerasConfigKeys: Set<String> = ["data_format", "noise_shape", "rate", "seed"]
    let rate: Float

    public init(_ c: LayerConfig) throws {
        try c.requireChannelsLast()
        rate = try dropoutRate(c, keys: ["rate"])
    }

    public func check(_ inputShapes: [[Int]], layer: String) throws { _ = try imageInput(inputShapes, layer: layer) }

    public var perturbs: Bool { rate > 0 }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        guard x.rank == 4 else { throw LayerError(layer, "input of shape \(x.shape) is not (N, H, W, C)") }  // (N, H, W, C)
        let mask = dropoutMask(shape: [x.batch, 1, 1, x.shape[3]], rate: rate, random: &random)  // (N, 1, 1, C)
        return applyMask(x, mask, tape: tape)
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst` (the noise shape is then (N, C, 1, 1)).
extension NoiseLayer: ChannelsFirstCapable where Noise == ChannelDropoutNoise {}
