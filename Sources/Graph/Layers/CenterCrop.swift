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
        (height, width) = try ImageResize.targetSize(c)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        return [height, width, inputShapes[0][2]]
    }

    /// A crop is a nearest resize of a same-sized window: source = window start + o.
    public func resize(_ h: Int, _ w: Int) -> ImageResize {
        if h >= height && w >= width {
            return ImageResize(top: (h - height) / 2, height: height, left: (w - width) / 2, width: width,
                               outHeight: height, outWidth: width, bilinear: false)
        }
        let box = ImageResize.aspectCrop(height: h, width: w, targetHeight: height, targetWidth: width)
        return ImageResize(top: box.top, height: box.height, left: box.left, width: box.width,
                           outHeight: height, outWidth: width, bilinear: true)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try ImageResize.forward(inputs, layer: name, resize)                  // (N, H, W, C) → (N, height, width, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        ImageResize.backward(upstream, tape: tape, resize)
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension CenterCrop: ChannelsFirstCapable {}
