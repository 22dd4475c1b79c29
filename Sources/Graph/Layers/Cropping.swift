import Tensor

/// Keras `Cropping1D` / `Cropping2D`: `cropping` as an int, a (left, right) pair (1-D), a (rows, cols) pair,
/// or ((top, bottom), (left, right)) (2-D). 1-D samples are viewed as images of height 1 (`SpatialRank`).
public final class Cropping<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["Cropping"]) }
    public static var kerasConfigKeys: Set<String> { Rank.rank == 1 ? ["cropping"] : ["cropping", "data_format"] }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// top, bottom, left, right
    public let crop: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        crop = try spatialAmounts(c, key: "cropping", default: 0, rank: Rank.rank)
    }

    /// The amounts as Keras writes them, for errors: [left, right] for 1-D.
    private var amounts: [Int] { Rank.rank == 1 ? [crop[2], crop[3]] : crop }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let s = try Rank.planarInput(inputShapes, layer: name)
        let h = s[0] - crop[0] - crop[1], w = s[1] - crop[2] - crop[3]
        guard h > 0, w > 0 else { throw LayerError(name, "cropping \(amounts) leaves nothing of the input \(inputShapes[0])") }
        return Rank.sampleShape(planar: [h, w, s[2]])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = Rank.planar(inputs[0])                                        // (N, H, W, C)
        guard inputs[0].rank == Rank.rank + 2, x.shape[1] > crop[0] + crop[1], x.shape[2] > crop[2] + crop[3] else {
            throw LayerError(name, "input of shape \(inputs[0].shape) cannot be cropped by \(amounts)")
        }
        let shape = [x.shape[0], x.shape[1] - crop[0] - crop[1], x.shape[2] - crop[2] - crop[3], x.shape[3]]
        return Rank.unplanar(cropSpatial(x, top: crop[0], left: crop[2], to: shape))   // (N, H − t − b, W − l − r, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let xs = Rank.planar(tape.inputs[0]).shape
        let (n, h, w, c) = (xs[0], xs[1], xs[2], xs[3])
        let oh = h - crop[0] - crop[1], ow = w - crop[2] - crop[3]
        var dx = Tensor(zeros: xs)                                            // (N, H, W, C), zero where cropped
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                for b in 0..<n {
                    for oy in 0..<oh {
                        (dp.baseAddress! + ((b * h + oy + crop[0]) * w + crop[2]) * c)
                            .update(from: up.baseAddress! + (b * oh + oy) * ow * c, count: ow * c)
                    }
                }
            }
        }
        return LayerGradients(inputs: [dx.reshaped(tape.inputs[0].shape)])
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Cropping: ChannelsFirstCapable {}
