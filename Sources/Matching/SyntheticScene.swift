// Deterministic synthetic test scenes (ConvScope's own construction, used by the
// matching tests and by `MatchingBenchmark`; Benchmarks/matching_bench.py draws
// the same scenes from the same formula). All randomness comes from SplitMix64
// (`SplitMix64`), so a seed identifies a scene on every platform.
//
// Formula, in draw order (u = rng.nextUnit(), k(n) = rng.nextInt(below: n)):
//   base[c] = 40 + 120u (c = 0, 1, 2); gx = 0.6(u - 0.5); gy = 0.6(u - 0.5)
//   amp = 10 + 20u; fx = 0.03 + 0.15u; fy = 0.03 + 0.15u; phase = 2πu
//   v(x, y, c) = base[c] + gx·x + gy·y + amp·sin(fx·x + fy·y + phase + c)
//   shapes: n = 14 + k(8); each: kind = k(2), colour[c] = 255u (c = 0, 1, 2),
//     cx = W·u, cy = H·u; kind 0 = rectangle, half sizes hw = 4 + u·W/8, hh = 4 + u·H/8,
//     covers |x - cx| <= hw and |y - cy| <= hh; kind 1 = disc, radius r = 4 + u·W/10,
//     covers (x - cx)² + (y - cy)² <= r²; covered pixels take colour[c] (later shapes on top)
//   value noise: s = rng.next(); lattice of 8-pixel cells, LW = W/8 + 2 columns;
//     L(i, j) = 60·(unit(mix(s &+ (j·LW + i))) - 0.5), unit(h) = (h >> 11)·2^-53, mix = SplitMix64 finaliser;
//     added to every channel with bilinear interpolation at (x/8, y/8)
//   result clamped to [0, 255], stored as Float.
import Foundation
import Imaging
import Tensor

/// Procedurally drawn, seeded RGB test scenes (gradient, sinusoid, rectangles, discs, value noise).
public enum SyntheticScene {
    /// Draws the scene for `seed` at the given size (HWC RGB, values in [0, 255]).
    public static func image(seed: UInt64, width: Int = 224, height: Int = 224) -> Image {
        var rng = SplitMix64(seed: seed)
        let base = (0..<3).map { _ in 40 + 120 * rng.nextUnit() }
        let gx = 0.6 * (rng.nextUnit() - 0.5), gy = 0.6 * (rng.nextUnit() - 0.5)
        let amp = 10 + 20 * rng.nextUnit()
        let fx = 0.03 + 0.15 * rng.nextUnit(), fy = 0.03 + 0.15 * rng.nextUnit()
        let phase = 2 * Double.pi * rng.nextUnit()
        var values = [Double](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let xd = Double(x), yd = Double(y)
                    values[(y * width + x) * 3 + c] = base[c] + gx * xd + gy * yd + amp * sin(fx * xd + fy * yd + phase + Double(c))
                }
            }
        }
        let shapeCount = 14 + rng.nextInt(below: 8)
        for _ in 0..<shapeCount {
            let kind = rng.nextInt(below: 2)
            let colour = (0..<3).map { _ in 255 * rng.nextUnit() }
            let cx = Double(width) * rng.nextUnit(), cy = Double(height) * rng.nextUnit()
            if kind == 0 {
                let hw = 4 + rng.nextUnit() * Double(width) / 8, hh = 4 + rng.nextUnit() * Double(height) / 8
                for y in 0..<height where abs(Double(y) - cy) <= hh {
                    for x in 0..<width where abs(Double(x) - cx) <= hw {
                        for c in 0..<3 { values[(y * width + x) * 3 + c] = colour[c] }
                    }
                }
            } else {
                let r = 4 + rng.nextUnit() * Double(width) / 10
                for y in 0..<height {
                    for x in 0..<width {
                        let dx = Double(x) - cx, dy = Double(y) - cy
                        if dx * dx + dy * dy <= r * r {
                            for c in 0..<3 { values[(y * width + x) * 3 + c] = colour[c] }
                        }
                    }
                }
            }
        }
        let noiseSeed = rng.next()
        let cell = 8, latticeWidth = width / cell + 2
        func lattice(_ i: Int, _ j: Int) -> Double {
            let h = SplitMix64.mix(noiseSeed &+ UInt64(j * latticeWidth + i))
            return 60 * (Double(h >> 11) * 0x1.0p-53 - 0.5)
        }
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let py = Double(y) / Double(cell)
            let j = Int(py.rounded(.down)), wy = py - Double(j)
            for x in 0..<width {
                let px = Double(x) / Double(cell)
                let i = Int(px.rounded(.down)), wx = px - Double(i)
                let top = lattice(i, j) * (1 - wx) + lattice(i + 1, j) * wx
                let bottom = lattice(i, j + 1) * (1 - wx) + lattice(i + 1, j + 1) * wx
                let noise = top * (1 - wy) + bottom * wy
                for c in 0..<3 {
                    let v = values[(y * width + x) * 3 + c] + noise
                    pixels[(y * width + x) * 3 + c] = Float(min(max(v, 0), 255))
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
}
