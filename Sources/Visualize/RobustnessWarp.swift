// Transformation robustness (Olah et al., "Feature Visualization", Distill 2017; Lucid's
// standard_transforms: pad 12 with 0.5, jitter 8, scale 0.9…1.1 in 11 steps, rotate −10…10°,
// jitter 4) as one affine resampling per step: output pixel p (centre c = ((H−1)/2, (W−1)/2))
// reads the image bilinearly at q = c + R(−θ)(p − c)/s + d, d = integer jitter in [−J, J]²;
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
    /// Value read outside the image.
    public static let padValue = 0.5

    /// A given transform.
    public init(scale: Double, degrees: Double, dy: Int, dx: Int) {
        self.scale = scale; self.degrees = degrees; self.dy = dy; self.dx = dx
    }

    /// Lucid's draw: scale from {1 + (i − 5)/50 : i = 0…10}, angle from −maxDegrees…maxDegrees (integers), jitter in [−J, J].
    public static func random(jitter: Int, maxDegrees: Int, using rng: inout SeededRandom) -> RobustnessWarp {
        let i = Int(rng.next() % 11)
        let a = Int(rng.next() % UInt64(2 * maxDegrees + 1)) - maxDegrees
        let j = UInt64(2 * jitter + 1)
        return RobustnessWarp(scale: 1 + Double(i - 5) / 50, degrees: Double(a),
                              dy: Int(rng.next() % j) - jitter, dx: Int(rng.next() % j) - jitter)
    }

    /// Calls body(outputPixel, inputPixel or nil (pad), weight) for every bilinear tap.
    private func forEachTap(h: Int, w: Int, _ body: (Int, Int?, Double) -> Void) {
        let th = degrees * Double.pi / 180, co = cos(th), si = sin(th)
        let cy = Double(h - 1) / 2, cx = Double(w - 1) / 2
        for y in 0..<h {
            for x in 0..<w {
                let py = Double(y) - cy, px = Double(x) - cx
                // R(−θ)·(px, py) / s
                let qx = cx + (co * px + si * py) / scale + Double(dx)
                let qy = cy + (-si * px + co * py) / scale + Double(dy)
                let x0 = Int(floor(qx)), y0 = Int(floor(qy)), fx = qx - Double(x0), fy = qy - Double(y0)
                let o = y * w + x
                for (yy, xx, wt) in [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx), (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
                where wt != 0 {
                    body(o, yy >= 0 && yy < h && xx >= 0 && xx < w ? yy * w + xx : nil, wt)
                }
            }
        }
    }

    /// Forward: (H, W, C) → (H, W, C).
    public func apply(_ image: [Double], height h: Int, width w: Int, channels c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: image.count)
        forEachTap(h: h, w: w) { o, i, wt in
            for k in 0..<c { out[o * c + k] += wt * (i.map { image[$0 * c + k] } ?? Self.padValue) }
        }
        return out
    }

    /// Backward: dL/dout (H, W, C) → dL/dimage (the pad taps carry no gradient).
    public func adjoint(_ g: [Double], height h: Int, width w: Int, channels c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: g.count)
        forEachTap(h: h, w: w) { o, i, wt in
            guard let i else { return }
            for k in 0..<c { out[i * c + k] += wt * g[o * c + k] }
        }
        return out
    }
}
