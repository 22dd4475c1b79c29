import Foundation
import Tensor

/// Spatial resampling of (1, H, W, C) tensors used by the maximizer's regularisers.
enum Resample {
    /// Align-corners-free bilinear resize (half-pixel centres), as tf.image.resize.
    static func bilinear(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        if h == oh && w == ow { return x }
        var y = Tensor(zeros: [1, oh, ow, c])
        forEachTap(h: h, w: w, oh: oh, ow: ow) { o, i, wt in
            for k in 0..<c { y.data[o * c + k] += wt * x.data[i * c + k] }
        }
        return y
    }

    /// The adjoint of `bilinear` (pulls a gradient at the big size back to the small one).
    static func bilinearAdjoint(_ g: Tensor, height h: Int, width w: Int) -> Tensor {
        let (oh, ow, c) = (g.shape[1], g.shape[2], g.shape[3])
        if h == oh && w == ow { return g }
        var x = Tensor(zeros: [1, h, w, c])
        forEachTap(h: h, w: w, oh: oh, ow: ow) { o, i, wt in
            for k in 0..<c { x.data[i * c + k] += wt * g.data[o * c + k] }
        }
        return x
    }

    /// Calls body(outputPixel, inputPixel, weight) for every bilinear tap.
    private static func forEachTap(h: Int, w: Int, oh: Int, ow: Int, _ body: (Int, Int, Float) -> Void) {
        let sy = Float(h) / Float(oh), sx = Float(w) / Float(ow)
        for oy in 0..<oh {
            let fy = max((Float(oy) + 0.5) * sy - 0.5, 0)
            let y0 = min(Int(fy), h - 1), y1 = min(y0 + 1, h - 1), wy = fy - Float(y0)
            for ox in 0..<ow {
                let fx = max((Float(ox) + 0.5) * sx - 0.5, 0)
                let x0 = min(Int(fx), w - 1), x1 = min(x0 + 1, w - 1), wx = fx - Float(x0)
                let o = oy * ow + ox
                body(o, y0 * w + x0, (1 - wy) * (1 - wx))
                body(o, y0 * w + x1, (1 - wy) * wx)
                body(o, y1 * w + x0, wy * (1 - wx))
                body(o, y1 * w + x1, wy * wx)
            }
        }
    }

    /// Circular shift by (dy, dx) pixels.
    static func roll(_ x: Tensor, dy: Int, dx: Int) -> Tensor {
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        var y = x
        for r in 0..<h {
            let sr = ((r - dy) % h + h) % h
            for col in 0..<w {
                let sc = ((col - dx) % w + w) % w
                for k in 0..<c { y.data[(r * w + col) * c + k] = x.data[(sr * w + sc) * c + k] }
            }
        }
        return y
    }

    /// Separable Gaussian blur per channel, edges clamped.
    static func gaussianBlur(_ x: Tensor, sigma: Float) -> Tensor {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { expf(-Float($0 * $0) / (2 * sigma * sigma)) }
        let s = kernel.reduce(0, +)
        kernel = kernel.map { $0 / s }
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        var tmp = Tensor(zeros: x.shape), y = Tensor(zeros: x.shape)
        for r in 0..<h { for col in 0..<w { for k in 0..<c {
            var acc: Float = 0
            for (j, kv) in kernel.enumerated() {
                let cc = min(max(col + j - radius, 0), w - 1)
                acc += kv * x.data[(r * w + cc) * c + k]
            }
            tmp.data[(r * w + col) * c + k] = acc
        } } }
        for r in 0..<h { for col in 0..<w { for k in 0..<c {
            var acc: Float = 0
            for (j, kv) in kernel.enumerated() {
                let rr = min(max(r + j - radius, 0), h - 1)
                acc += kv * tmp.data[(rr * w + col) * c + k]
            }
            y.data[(r * w + col) * c + k] = acc
        } } }
        return y
    }
}
