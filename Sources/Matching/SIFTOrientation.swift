// Keypoint orientations as VLFeat 0.9.21's vl_sift_calc_keypoint_orientations computes them
// (sift.c, built with VL_SIFT_BILINEAR_ORIENTATIONS as Debian's libvl is), the same Double
// arithmetic in the same order, on SIFTGradient's planes:
//  - x, y, σ = keypoint / 2^o; xi = Int(x + 0.5), yi likewise; σw = 1.5σ; W = max(floor(3σw), 1);
//  - pixels (xi + xs, yi + ys), xs, ys in [-W, W] inside the octave, with
//    r² = dx² + dy² < W² + 0.6 (dx = (xi + xs) - x, ...), weight fast_expn(r² / ((2σw)·σw));
//  - fbin = 36·angle / 2π, bin = floor(fbin - 0.5), rbin = (fbin - bin) - 0.5;
//    hist[(bin + 36) % 36] += ((1 - rbin)·mod)·weight, then hist[(bin + 1) % 36] += (rbin·mod)·weight;
//  - six passes of the circular box filter ((prev + h[i]) + h[i+1]) / 3;
//  - peaks above 0.8·max and both neighbours, refined by di = (-0.5·(hp - hm)) / ((hp + hm) - 2h0),
//    angle = (2π·((i + di) + 0.5)) / 36, at most four.
// SIFTDescriptorTests compares every angle with VLFeat's bit for bit.
import CVLFeat
import Foundation

/// VLFeat's keypoint orientation histogram on SIFTGradient's planes.
enum SIFTOrientation {
    /// Writes up to four orientations of `key` into `angles`; returns how many (0 when the keypoint
    /// is not on the current octave or too close to its level range, as VLFeat).
    static func orientations(_ f: UnsafeMutablePointer<VlSiftFilt>, _ gradient: SIFTGradient,
                             _ key: VlSiftKeypoint, into angles: UnsafeMutablePointer<Double>) -> Int {
        let s = f.pointee
        let xper = pow(2.0, Double(s.o_cur))
        let w = Int(s.octave_width), h = Int(s.octave_height)
        let x = Double(key.x) / xper, y = Double(key.y) / xper, sigma = Double(key.sigma) / xper
        let xi = Int(x + 0.5), yi = Int(y + 0.5), si = Int(key.is)
        let sigmaw = 1.5 * sigma
        let W = Int(max(floor(3.0 * sigmaw), 1))
        guard key.o == s.o_cur, xi >= 0, xi <= w - 1, yi >= 0, yi <= h - 1,
              si >= Int(s.s_min) + 1, si <= Int(s.s_max) - 2 else { return 0 }
        gradient.update(f)

        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 36) { hist -> Int in
            hist.initialize(repeating: 0)
            let plane = (si - Int(s.s_min) - 1) * w * h
            let modulus = gradient.modulus + plane, angle = gradient.angle + plane
            let cut = Double(W * W) + 0.6
            let denominator = 2 * sigmaw * sigmaw
            SIFTFastExp.table.withUnsafeBufferPointer { tab in
                for ys in max(-W, -yi)...min(W, h - 1 - yi) {
                    let dy = Double(yi + ys) - y
                    let dy2 = dy * dy
                    let row = (yi + ys) * w
                    for xs in max(-W, -xi)...min(W, w - 1 - xi) {
                        let dx = Double(xi + xs) - x
                        let r2 = dx * dx + dy2
                        if r2 >= cut { continue }
                        let weight = SIFTFastExp.expn(r2 / denominator, tab.baseAddress!)
                        let mod = Double(modulus[row + xi + xs])
                        let fbin = 36 * Double(angle[row + xi + xs]) / (2 * Double.pi)
                        let bin = Int(floor(fbin - 0.5))
                        let rbin = fbin - Double(bin) - 0.5
                        hist[(bin + 36) % 36] += (1 - rbin) * mod * weight
                        hist[(bin + 1) % 36] += rbin * mod * weight
                    }
                }
            }
            for _ in 0..<6 {
                var previous = hist[35]
                let first = hist[0]
                for i in 0..<35 {
                    let smoothed = (previous + hist[i] + hist[i + 1]) / 3.0
                    previous = hist[i]
                    hist[i] = smoothed
                }
                hist[35] = (previous + hist[35] + first) / 3.0
            }
            var maxh = 0.0
            for i in 0..<36 { maxh = max(maxh, hist[i]) }
            var count = 0
            for i in 0..<36 {
                let h0 = hist[i], hm = hist[(i + 35) % 36], hp = hist[(i + 1) % 36]
                if h0 > 0.8 * maxh && h0 > hm && h0 > hp {
                    let di = -0.5 * (hp - hm) / (hp + hm - 2 * h0)
                    angles[count] = 2 * Double.pi * (Double(i) + di + 0.5) / 36
                    count += 1
                    if count == 4 { break }
                }
            }
            return count
        }
    }
}
