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
    let size: [Int]
    let bilinear: Bool

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

    /// Per output coordinate: lower and upper source index and the weight of the upper one.
    /// Nearest is the same table with weight 0 and lower = o / factor.
    private func axisTable(input: Int, factor: Int) -> (lo: [Int], hi: [Int], w: [Float]) {
        let out = input * factor
        var lo = [Int](repeating: 0, count: out), hi = lo, w = [Float](repeating: 0, count: out)
        let scale = Float(input) / Float(out)
        for o in 0..<out {
            if !bilinear { lo[o] = o / factor; hi[o] = lo[o]; continue }
            let src = (Float(o) + 0.5) * scale - 0.5
            let f = src.rounded(.down)
            lo[o] = max(Int(f), 0)
            hi[o] = min(Int(src.rounded(.up)), input - 1)
            w[o] = src - f
        }
        return (lo, hi, w)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard inputs[0].rank == Rank.rank + 2 else { throw LayerError(name, "input of shape \(inputs[0].shape) is not \(Rank.batchAxes)") }
        let x = Rank.planar(inputs[0])                                        // (N, H, W, C)
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = h * size[0], ow = w * size[1]
        let ty = axisTable(input: h, factor: size[0]), tx = axisTable(input: w, factor: size[1])
        var y = Tensor(zeros: [n, oh, ow, c])                                 // (N, H·sy, W·sx, C)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                let xb = xp.baseAddress!, yb = yp.baseAddress!
                parallelFor(n * oh) { row in
                    let b = row / oh, oy = row % oh
                    let top = xb + (b * h + ty.lo[oy]) * w * c, bottom = xb + (b * h + ty.hi[oy]) * w * c
                    let wy = ty.w[oy]
                    var o = yb + row * ow * c
                    for ox in 0..<ow {
                        let l = tx.lo[ox] * c, r = tx.hi[ox] * c, wx = tx.w[ox]
                        if self.bilinear {
                            for ch in 0..<c {
                                let t = top[l + ch] + (top[r + ch] - top[l + ch]) * wx
                                let bt = bottom[l + ch] + (bottom[r + ch] - bottom[l + ch]) * wx
                                o[ch] = t + (bt - t) * wy
                            }
                        } else {
                            o.update(from: top + l, count: c)
                        }
                        o += c
                    }
                }
            }
        }
        return Rank.unplanar(y)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let xs = Rank.planar(tape.inputs[0]).shape
        let (n, h, w, c) = (xs[0], xs[1], xs[2], xs[3])
        let oh = h * size[0], ow = w * size[1]
        let ty = axisTable(input: h, factor: size[0]), tx = axisTable(input: w, factor: size[1])
        var dx = Tensor(zeros: xs)                                            // (N, H, W, C)
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                let ub = up.baseAddress!, db = dp.baseAddress!
                // One image per task: output rows of an image share input rows, images do not.
                parallelFor(n) { b in
                    for oy in 0..<oh {
                        let top = db + (b * h + ty.lo[oy]) * w * c, bottom = db + (b * h + ty.hi[oy]) * w * c
                        let wy = ty.w[oy]
                        var u = ub + (b * oh + oy) * ow * c
                        for ox in 0..<ow {
                            let l = tx.lo[ox] * c, r = tx.hi[ox] * c, wx = tx.w[ox]
                            for ch in 0..<c {
                                let g = u[ch]
                                let gt = g * (1 - wy), gb = g * wy
                                top[l + ch] += gt * (1 - wx)
                                top[r + ch] += gt * wx
                                bottom[l + ch] += gb * (1 - wx)
                                bottom[r + ch] += gb * wx
                            }
                            u += c
                        }
                    }
                }
            }
        }
        return LayerGradients(inputs: [dx.reshaped(tape.inputs[0].shape)])
    }
}
