import Foundation
import Tensor

/// Keras' image resize as `tf.image.resize` computes it without antialiasing (half-pixel centres) from a
/// window of (N, H, W, C) images to (N, outH, outW, C): bilinear takes source = (o + ½)·in/out − ½ with
/// neighbours clamped to the window and weights from the fraction; nearest takes ⌊(o + ½)·in/out⌋.
/// Used by UpSampling (1-D and 2-D), Resizing and CenterCrop. Forward and backward side by side.
public struct ImageResize {
    /// Per output coordinate: lower and upper source index (in the whole input) and the upper one's weight.
    public struct AxisTable {
        public var lo: [Int], hi: [Int], w: [Float]

        /// `count` input positions from `start` onto `out` positions.
        init(start: Int, count: Int, out: Int, bilinear: Bool) {
            lo = [Int](repeating: 0, count: out); hi = lo; w = [Float](repeating: 0, count: out)
            let scale = Float(count) / Float(out)
            for o in 0..<out {
                if !bilinear {
                    lo[o] = start + min(Int(((Float(o) + 0.5) * scale).rounded(.down)), count - 1)
                    hi[o] = lo[o]
                    continue
                }
                let src = (Float(o) + 0.5) * scale - 0.5
                let f = src.rounded(.down)
                lo[o] = start + max(Int(f), 0)
                hi[o] = start + min(Int(src.rounded(.up)), count - 1)
                w[o] = src - f
            }
        }
    }

    public let ty: AxisTable, tx: AxisTable
    public let outHeight: Int, outWidth: Int
    public let bilinear: Bool

    /// The window rows `top ..< top + height`, columns `left ..< left + width` onto outHeight × outWidth.
    init(top: Int, height: Int, left: Int, width: Int, outHeight: Int, outWidth: Int, bilinear: Bool) {
        ty = AxisTable(start: top, count: height, out: outHeight, bilinear: bilinear)
        tx = AxisTable(start: left, count: width, out: outWidth, bilinear: bilinear)
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.bilinear = bilinear
    }

    func forward(_ x: Tensor) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])   // (N, H, W, C)
        let oh = outHeight, ow = outWidth, bilinear = bilinear, ty = ty, tx = tx
        var y = Tensor(zeros: [n, oh, ow, c])                                 // (N, outH, outW, C)
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
                        if bilinear {
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
        return y
    }

    /// dL/dx of shape `inputShape` from dL/dy: each output's gradient spread back onto its sources.
    func backward(_ upstream: Tensor, inputShape xs: [Int]) -> Tensor {
        let (n, h, w, c) = (xs[0], xs[1], xs[2], xs[3])
        let oh = outHeight, ow = outWidth, ty = ty, tx = tx
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
        return dx
    }

    /// A resizing layer's target (`height`, `width`: positive) of channels_last images (channels_first ones run
    /// through `ChannelsFirst`).
    static func targetSize(_ c: LayerConfig) throws -> (height: Int, width: Int) {
        try c.requireChannelsLast()
        let size = (try c.int("height"), try c.int("width"))
        guard size.0 > 0, size.1 > 0 else { throw LayerError(c.layer, "height and width must be positive") }
        return size
    }

    /// A resizing layer's forward: (N, H, W, C) → (N, outH, outW, C) by the resize `resize(H, W)` gives.
    static func forward(_ inputs: [Tensor], layer: String, _ resize: (Int, Int) -> ImageResize) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4 else { throw LayerError(layer, "input of shape \(x.shape) is not (N, H, W, C)") }
        return resize(x.shape[1], x.shape[2]).forward(x)                      // (N, outH, outW, C)
    }

    /// A resizing layer's backward, beside `forward`.
    static func backward(_ upstream: Tensor, tape: Tape, _ resize: (Int, Int) -> ImageResize) -> LayerGradients {
        let xs = tape.inputs[0].shape                                         // (N, H, W, C)
        return LayerGradients(inputs: [resize(xs[1], xs[2]).backward(upstream, inputShape: xs)])
    }

    /// Keras' `crop_to_aspect_ratio` (and `smart_resize`) box of an h × w image for a target size: the
    /// largest centred window of the target's aspect ratio (sizes truncated as Keras casts them).
    static func aspectCrop(height h: Int, width w: Int, targetHeight th: Int, targetWidth tw: Int)
        -> (top: Int, height: Int, left: Int, width: Int) {
        let ch = max(min(h, Int(Float(w * th) / Float(tw))), 1)
        let cw = max(min(w, Int(Float(h * tw) / Float(th))), 1)
        return (Int(Float(h - ch) / 2), ch, Int(Float(w - cw) / 2), cw)
    }
}
