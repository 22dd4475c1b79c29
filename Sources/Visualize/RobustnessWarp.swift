// Transformation robustness (Olah et al., "Feature Visualization", Distill 2017; Lucid's
// standard_transforms: pad 12 with 0.5, jitter 8, scale 0.9…1.1 in 11 steps, rotate −10…10°,
// jitter 4) as one affine resampling per step from the rendered image (Hs, Ws) to the model's
// input (H, W): output pixel p (centre c = ((H−1)/2, (W−1)/2)) reads the image bilinearly at
//   q = cs + z · R(−θ)(p − c)/s + d,   cs = ((Hs−1)/2, (Ws−1)/2), d = integer jitter in [−J, J]²,
// z = source pixels per output pixel (Lucid's view: the rendered image plus the 12 pixels of pad its
// crops leave, stretched over the model's input, as a fixed-size model must see it; 1 = same size);
// taps outside the image read the pad value 0.5 (no gradient). Forward and backward side by side.
import Foundation
import Tensor

/// One random draw of the robustness transforms, applied to (H, W, C) float64 images.
public struct RobustnessWarp: Sendable {
    public let scale: Double
    /// Rotation in degrees.
    public let degrees: Double
    public let dy: Int
    public let dx: Int
    /// Source pixels per output pixel (before `scale`).
    public let zoom: Double
    /// Value read outside the image.
    public static let padValue = 0.5
    /// Pixels of pad Lucid's transforms leave in view: pad 12 on each side, then crops of 8 and 4.
    public static let lucidMargin = 12

    /// A given transform.
    public init(scale: Double, degrees: Double, dy: Int, dx: Int, zoom: Double = 1) {
        self.scale = scale; self.degrees = degrees; self.dy = dy; self.dx = dx; self.zoom = zoom
    }

    /// The zoom that shows a rendered (Hs, Ws) image with Lucid's margin on an (H, W) input.
    public static func lucidZoom(rendered: (height: Int, width: Int), input: (height: Int, width: Int)) -> Double {
        Double(max(rendered.height, rendered.width) + lucidMargin) / Double(max(input.height, input.width))
    }

    /// Lucid's draw: scale from {1 + (i − 5)/50 : i = 0…10}, angle from −maxDegrees…maxDegrees (integers), jitter in [−J, J].
    public static func random(jitter: Int, maxDegrees: Int, zoom: Double = 1, using rng: inout SeededRandom) -> RobustnessWarp {
        let i = Int(rng.next() % 11)
        let a = Int(rng.next() % UInt64(2 * maxDegrees + 1)) - maxDegrees
        let j = UInt64(2 * jitter + 1)
        return RobustnessWarp(scale: 1 + Double(i - 5) / 50, degrees: Double(a),
                              dy: Int(rng.next() % j) - jitter, dx: Int(rng.next() % j) - jitter, zoom: zoom)
    }

    /// Calls body(outputPixel, sourcePixel or nil (pad), weight) for every bilinear tap.
    private func forEachTap(source: (height: Int, width: Int), output: (height: Int, width: Int), _ body: (Int, Int?, Double) -> Void) {
        let (sh, sw, h, w) = (source.height, source.width, output.height, output.width)
        let th = degrees * Double.pi / 180, co = cos(th), si = sin(th), k = zoom / scale
        let cy = Double(h - 1) / 2, cx = Double(w - 1) / 2, sy = Double(sh - 1) / 2, sx = Double(sw - 1) / 2
        for y in 0..<h {
            for x in 0..<w {
                let py = Double(y) - cy, px = Double(x) - cx
                // z · R(−θ)·(px, py) / s
                let qx = sx + k * (co * px + si * py) + Double(dx)
                let qy = sy + k * (-si * px + co * py) + Double(dy)
                let x0 = Int(floor(qx)), y0 = Int(floor(qy)), fx = qx - Double(x0), fy = qy - Double(y0)
                let o = y * w + x
                for (yy, xx, wt) in [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx), (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
                where wt != 0 {
                    body(o, yy >= 0 && yy < sh && xx >= 0 && xx < sw ? yy * sw + xx : nil, wt)
                }
            }
        }
    }

    /// Forward: (Hs, Ws, C) → (H, W, C).
    public func apply(_ image: [Double], from source: (height: Int, width: Int), to output: (height: Int, width: Int), channels c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: output.height * output.width * c)
        forEachTap(source: source, output: output) { o, i, wt in
            for k in 0..<c { out[o * c + k] += wt * (i.map { image[$0 * c + k] } ?? Self.padValue) }
        }
        return out
    }

    /// Backward: dL/dout (H, W, C) → dL/dimage (Hs, Ws, C) (the pad taps carry no gradient).
    public func adjoint(_ g: [Double], from source: (height: Int, width: Int), to output: (height: Int, width: Int), channels c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: source.height * source.width * c)
        forEachTap(source: source, output: output) { o, i, wt in
            guard let i else { return }
            for k in 0..<c { out[i * c + k] += wt * g[o * c + k] }
        }
        return out
    }

    /// Forward at one size: (H, W, C) → (H, W, C).
    public func apply(_ image: [Double], height h: Int, width w: Int, channels c: Int) -> [Double] {
        apply(image, from: (h, w), to: (h, w), channels: c)
    }

    /// Backward at one size.
    public func adjoint(_ g: [Double], height h: Int, width w: Int, channels c: Int) -> [Double] {
        adjoint(g, from: (h, w), to: (h, w), channels: c)
    }
}
