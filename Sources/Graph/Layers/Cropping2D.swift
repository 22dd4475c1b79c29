import Tensor

/// Keras `Cropping2D`: `cropping` as an int, a (rows, cols) pair, or ((top, bottom), (left, right)).
public final class Cropping2D: Layer {
    public static let kerasClassNames = ["Cropping2D"]
    public static let kerasConfigKeys: Set<String> = ["cropping", "data_format"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// top, bottom, left, right
    let crop: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        crop = try spatialAmounts(c, key: "cropping", default: 0)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let h = s[0] - crop[0] - crop[1], w = s[1] - crop[2] - crop[3]
        guard h > 0, w > 0 else { throw LayerError(name, "cropping \(crop) leaves nothing of the input \(s)") }
        return [h, w, s[2]]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4, x.shape[1] > crop[0] + crop[1], x.shape[2] > crop[2] + crop[3] else {
            throw LayerError(name, "input of shape \(x.shape) cannot be cropped by \(crop)")
        }
        let shape = [x.shape[0], x.shape[1] - crop[0] - crop[1], x.shape[2] - crop[2] - crop[3], x.shape[3]]
        return cropSpatial(x, top: crop[0], left: crop[2], to: shape)         // (N, H − t − b, W − l − r, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let xs = tape.inputs[0].shape
        let (n, h, w, c) = (xs[0], xs[1], xs[2], xs[3])
        let oh = upstream.shape[1], ow = upstream.shape[2]
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
        return LayerGradients(inputs: [dx])
    }
}
