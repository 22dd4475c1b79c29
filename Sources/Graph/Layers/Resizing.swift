import Tensor

/// Keras `Resizing` (preprocessing): (H, W, C) images resized to (`height`, `width`) as `tf.image.resize`
/// without antialiasing (`ImageResize`: "bilinear", the default, or "nearest", half-pixel centres);
/// with `crop_to_aspect_ratio` from the largest centred window of the target's aspect ratio.
/// Backward: each output's gradient spread back onto its sources.
public final class Resizing: Layer {
    public static let kerasClassNames = ["Resizing"]
    public static let kerasConfigKeys: Set<String> = [
        "height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode",
        "fill_value", "antialias", "data_format",
    ]
    public static func keras3VariableNames(config: JSON) -> [String] { [] }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let height: Int, width: Int
    let bilinear: Bool
    let cropToAspectRatio: Bool

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        (height, width) = try ImageResize.targetSize(c)
        let interpolation = try c.string("interpolation", default: "bilinear")
        switch interpolation {
        case "bilinear": bilinear = true
        case "nearest": bilinear = false
        default: throw LayerError(name, "interpolation '\(interpolation)' is not supported (bilinear, nearest)")
        }
        cropToAspectRatio = try c.bool("crop_to_aspect_ratio", default: false)
        if try c.bool("pad_to_aspect_ratio", default: false) { throw LayerError(name, "pad_to_aspect_ratio is not supported") }
        if try c.bool("antialias", default: false) { throw LayerError(name, "antialias is not supported") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        return [height, width, inputShapes[0][2]]
    }

    public func resize(_ h: Int, _ w: Int) -> ImageResize {
        let box = cropToAspectRatio
            ? ImageResize.aspectCrop(height: h, width: w, targetHeight: height, targetWidth: width) : (0, h, 0, w)
        return ImageResize(top: box.0, height: box.1, left: box.2, width: box.3, outHeight: height, outWidth: width,
                           bilinear: bilinear)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try ImageResize.forward(inputs, layer: name, resize)                  // (N, H, W, C) → (N, height, width, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        ImageResize.backward(upstream, tape: tape, resize)
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Resizing: ChannelsFirstCapable {}
