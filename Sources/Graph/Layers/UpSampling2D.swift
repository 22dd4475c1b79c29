import Foundation
import Tensor

/// Keras `UpSampling2D` by integer `size`: "nearest" repeats pixels; "bilinear" is
/// `tf.image.resize(…, "bilinear")` as Keras 3 calls it (`ImageResize`: half-pixel centres, no antialias).
public final class UpSampling2D: Layer {
    public static let kerasClassNames = ["UpSampling2D"]
    public static let kerasConfigKeys: Set<String> = ["data_format", "interpolation", "size"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let size: [Int]
    let bilinear: Bool

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        size = try c.ints("size", count: 2, default: [2, 2])
        let interpolation = try c.string("interpolation", default: "nearest")
        switch interpolation {
        case "nearest": bilinear = false
        case "bilinear": bilinear = true
        default: throw LayerError(name, "interpolation '\(interpolation)' is not supported (nearest, bilinear)")
        }
        guard size.allSatisfy({ $0 > 0 }) else { throw LayerError(name, "size must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        return [s[0] * size[0], s[1] * size[1], s[2]]
    }

    private func resize(_ h: Int, _ w: Int) -> ImageResize {
        ImageResize(top: 0, height: h, left: 0, width: w, outHeight: h * size[0], outWidth: w * size[1], bilinear: bilinear)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try ImageResize.forward(inputs, layer: name, resize)                  // (N, H, W, C) → (N, H·sy, W·sx, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        ImageResize.backward(upstream, tape: tape, resize)
    }
}
