import Tensor

/// Keras `CenterCrop` (preprocessing): the centred `height` × `width` window of (H, W, C) images, starting
/// at ((H − height) // 2, (W − width) // 2); an image smaller than that on either side is instead resized as
/// Keras' `smart_resize` does (the largest centred window of the target's aspect ratio, bilinear).
/// Backward: the gradient placed back in the window (spread onto the sources when resized).
public final class CenterCrop: Layer {
    public static let kerasClassNames = ["CenterCrop"]
    public static let kerasConfigKeys: Set<String> = ["height", "width", "data_format"]
    public static func keras3VariableNames(config: JSON) -> [String] { [] }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let height: Int, width: Int

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        height = try c.int("height")
        width = try c.int("width")
        guard height > 0, width > 0 else { throw LayerError(name, "height and width must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        return [height, width, inputShapes[0][2]]
    }

    /// A crop is a nearest resize of a same-sized window: source = window start + o.
    private func resize(_ h: Int, _ w: Int) -> ImageResize {
        if h >= height && w >= width {
            return ImageResize(top: (h - height) / 2, height: height, left: (w - width) / 2, width: width,
                               outHeight: height, outWidth: width, bilinear: false)
        }
        let box = ImageResize.aspectCrop(height: h, width: w, targetHeight: height, targetWidth: width)
        return ImageResize(top: box.top, height: box.height, left: box.left, width: box.width,
                           outHeight: height, outWidth: width, bilinear: true)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4 else { throw LayerError(name, "input of shape \(x.shape) is not (N, H, W, C)") }
        return resize(x.shape[1], x.shape[2]).forward(x)                      // (N, height, width, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let xs = tape.inputs[0].shape                                         // (N, H, W, C)
        return LayerGradients(inputs: [resize(xs[1], xs[2]).backward(upstream, inputShape: xs)])
    }
}
