import Foundation
import Tensor

/// Keras `UpSampling1D` / `UpSampling2D` by integer `size`: "nearest" repeats steps / pixels; "bilinear"
/// (2-D only) is `tf.image.resize(…, "bilinear")` as Keras 3 calls it (half-pixel centres, no antialias):
/// source = (o + ½) · in/out − ½, neighbours clamped to the image, weights from the fraction.
/// 1-D samples are viewed as images of height 1 (`SpatialRank`).
public final class UpSampling<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["UpSampling"]) }
    public static var kerasConfigKeys: Set<String> { Rank.rank == 1 ? ["size"] : ["data_format", "interpolation", "size"] }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    public let size: [Int]
    public let bilinear: Bool

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        size = Rank.planarWindow(try c.ints("size", count: Rank.rank, default: [Int](repeating: 2, count: Rank.rank)))
        let interpolation = try c.string("interpolation", default: "nearest")
        switch interpolation {
        case "nearest": bilinear = false
        case "bilinear": bilinear = true
        default: throw LayerError(name, "interpolation '\(interpolation)' is not supported (nearest, bilinear)")
        }
        guard size.allSatisfy({ $0 > 0 }) else { throw LayerError(name, "size must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let s = try Rank.planarInput(inputShapes, layer: name)
        return Rank.sampleShape(planar: [s[0] * size[0], s[1] * size[1], s[2]])
    }

    /// The resize of an h × w plane by `size` (nearest: ⌊(o + ½)/factor⌋ = o / factor).
    private func resize(_ h: Int, _ w: Int) -> ImageResize {
        ImageResize(top: 0, height: h, left: 0, width: w, outHeight: h * size[0], outWidth: w * size[1], bilinear: bilinear)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard inputs[0].rank == Rank.rank + 2 else { throw LayerError(name, "input of shape \(inputs[0].shape) is not \(Rank.batchAxes)") }
        let x = Rank.planar(inputs[0])                                        // (N, H, W, C)
        return Rank.unplanar(resize(x.shape[1], x.shape[2]).forward(x))       // (N, H·sy, W·sx, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let xs = Rank.planar(tape.inputs[0]).shape                            // (N, H, W, C)
        let dx = resize(xs[1], xs[2]).backward(Rank.planar(upstream), inputShape: xs)
        return LayerGradients(inputs: [dx.reshaped(tape.inputs[0].shape)])
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension UpSampling: ChannelsFirstCapable {}
