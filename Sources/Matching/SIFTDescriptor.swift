// The 128-d SIFT descriptor as VLFeat 0.9.21's vl_sift_calc_keypoint_descriptor computes it
// (sift.c and mathop.h as Debian's libvl is built: SSE2, no FMA), the same arithmetic in the same
// order, on SIFTGradient's planes. Per keypoint (x, y, σ = keypoint / 2^o, xi = Int(x + 0.5), ...):
//   SBP = magnif·σ + ε_d; W = floor(((√2·SBP)·5)·0.5 + 0.5); st0, ct0 = sin, cos of the angle;
//   wσ = Double(Float(windowSize)); pixels (xi + dxi, yi + dyi), dxi in [max(-W, 1 - xi), min(W, w - xi - 2)],
//   dyi likewise, rows in order, columns in order; per pixel (Float = rounded to float):
//     theta = vl_mod_2pi_f(Float(Double(angle) - angle0));
//     dx = Float(Double(xi + dxi) - x), dy likewise;
//     nx = Float((ct0·dx + st0·dy) / SBP), ny = Float((-st0·dx + ct0·dy) / SBP);
//     nt = Float(Double(8·theta) / 2π);
//     win = Float(fast_expn(Double(nx·nx + ny·ny) / ((2·wσ)·wσ)));
//     binx = floor(nx - 0.5), biny = floor(ny - 0.5), bint = floor(nt);
//     rbinx = Float(nx - (binx + 0.5)), rbiny likewise (Double), rbint = nt - bint (Float);
//     for dbinx, dbiny, dbint in {0, 1} (that order) with binx + dbinx and biny + dbiny in [-2, 1]:
//       bin(binx + dbinx, biny + dbiny, (bint + dbint) % 8) += (((win·mod)·|1 - dbinx - rbinx|)
//                                                              ·|1 - dbiny - rbiny|)·|1 - dbint - rbint|;
//   then normalise (norm = vl_fast_sqrt_f(Σ d²) + ε_f, the sum in bin order), clamp at 0.2 (Double
//   compare), normalise again (a set norm threshold zeroes descriptors whose first norm is below it).
// Bin (bx, by, bt) is entry (by + 2)·32 + (bx + 2)·8 + bt. Each pixel adds to distinct bins, so each bin
// receives its terms in VLFeat's pixel order. A pixel with binx or biny outside [-3, 1] adds nothing:
// each row only visits the columns that a conservative bound on nx and ny (normalised |n| <= 2.5 plus a
// margin, one pixel more each side) leaves, and the exact test still decides per pixel.
// SIFTDescriptorTests compares every descriptor with VLFeat's bit for bit.
import CVLFeat
import Foundation

/// VLFeat's SIFT descriptor on SIFTGradient's planes.
enum SIFTDescriptor {
    /// Writes the descriptor of `key` at `angle0` into `descriptor` (128 floats); leaves it untouched when
    /// the keypoint is not on the current octave or outside the range VLFeat describes (as VLFeat does).
    static func compute(_ f: UnsafeMutablePointer<VlSiftFilt>, _ gradient: SIFTGradient, _ key: VlSiftKeypoint,
                        angle angle0: Double, into descriptor: UnsafeMutablePointer<Float>) {
        let s = f.pointee
        let xper = pow(2.0, Double(s.o_cur))
        let w = Int(s.octave_width), h = Int(s.octave_height)
        let x = Double(key.x) / xper, y = Double(key.y) / xper, sigma = Double(key.sigma) / xper
        let xi = Int(x + 0.5), yi = Int(y + 0.5), si = Int(key.is)
        let st0 = sin(angle0), ct0 = cos(angle0)
        let sbp = s.magnif * sigma + Double.ulpOfOne
        let W = Int(floor(2.0.squareRoot() * sbp * 5 * 0.5 + 0.5))
        guard key.o == s.o_cur, xi >= 0, xi < w, yi >= 0, yi < h - 1,
              si >= Int(s.s_min) + 1, si <= Int(s.s_max) - 2 else { return }
        gradient.update(f)
        descriptor.initialize(repeating: 0, count: 128)

        let plane = (si - Int(s.s_min) - 1) * w * h
        let modulus = gradient.modulus + plane, angle = gradient.angle + plane
        let wsigma = Double(Float(s.windowSize))
        let denominator = 2.0 * wsigma * wsigma
        let centre = descriptor + 2 * 32 + 2 * 8
        let columns = max(-W, 1 - xi)...min(W, w - xi - 2)
        guard !columns.isEmpty else { return normalise(descriptor, threshold: s.norm_thresh) }
        let bound = 2.5 * (1 + 1e-6) * sbp + 1e-6
        SIFTFastExp.table.withUnsafeBufferPointer { tabBuffer in
            let tab = tabBuffer.baseAddress!
            for dyi in max(-W, 1 - yi)...min(W, h - yi - 2) {
                let dy = Float(Double(yi + dyi) - y)
                // Columns where |ct0·dx + st0·dy| and |-st0·dx + ct0·dy| may stay within 2.5·SBP.
                let offset = Double(xi) - x
                var lo = Double(columns.lowerBound), hi = Double(columns.upperBound)
                func clip(_ a: Double, _ b: Double) {
                    if abs(a) < 1e-9 {
                        if abs(b) > bound + 1e-3 { lo = 1; hi = 0 }
                    } else {
                        let e1 = (-bound - b) / a - offset, e2 = (bound - b) / a - offset
                        lo = max(lo, min(e1, e2) - 1); hi = min(hi, max(e1, e2) + 1)
                    }
                }
                clip(ct0, st0 * Double(dy))
                clip(-st0, ct0 * Double(dy))
                guard lo <= hi else { continue }
                let first = max(columns.lowerBound, Int(lo.rounded(.down))), last = min(columns.upperBound, Int(hi.rounded(.up)))
                guard first <= last else { continue }
                let row = (yi + dyi) * w + xi
                for dxi in first...last {
                    let dx = Float(Double(xi + dxi) - x)
                    let nx = Float((ct0 * Double(dx) + st0 * Double(dy)) / sbp)
                    let ny = Float((-st0 * Double(dx) + ct0 * Double(dy)) / sbp)
                    let binx = Int(floor(nx - 0.5)), biny = Int(floor(ny - 0.5))
                    if binx < -3 || binx > 1 || biny < -3 || biny > 1 { continue }
                    let mod = modulus[row + dxi]
                    let theta = SIFTGradient.mod2Pi(Float(Double(angle[row + dxi]) - angle0))
                    let nt = Float(Double(8 * theta) / (2 * Double.pi))
                    let win = Float(SIFTFastExp.expn(Double(nx * nx + ny * ny) / denominator, tab))
                    let bint = Int(floor(nt))
                    let rbinx = Float(Double(nx) - (Double(binx) + 0.5))
                    let rbiny = Float(Double(ny) - (Double(biny) + 0.5))
                    let rbint = nt - Float(bint)
                    let base = win * mod
                    for dbinx in 0..<2 where binx + dbinx >= -2 && binx + dbinx < 2 {
                        let wx = base * abs(Float(1 - dbinx) - rbinx)
                        for dbiny in 0..<2 where biny + dbiny >= -2 && biny + dbiny < 2 {
                            let wxy = wx * abs(Float(1 - dbiny) - rbiny)
                            let cell = centre + (biny + dbiny) * 32 + (binx + dbinx) * 8
                            cell[bint % 8] += wxy * abs(1 - rbint)
                            cell[(bint + 1) % 8] += wxy * abs(0 - rbint)
                        }
                    }
                }
            }
        }
        normalise(descriptor, threshold: s.norm_thresh)
    }

    /// Normalise; then zero when a norm threshold is set and the norm is below it, else clamp at 0.2 and
    /// normalise again.
    static func normalise(_ d: UnsafeMutablePointer<Float>, threshold: Double) {
        let norm = normaliseOnce(d)
        if threshold != 0 && Double(norm) < threshold {
            d.update(repeating: 0, count: 128)
            return
        }
        for i in 0..<128 where Double(d[i]) > 0.2 { d[i] = Float(0.2) }
        normaliseOnce(d)
    }

    /// normalize_histogram: d /= vl_fast_sqrt_f(Σ d²) + ε_f; returns that divisor.
    @discardableResult
    static func normaliseOnce(_ d: UnsafeMutablePointer<Float>) -> Float {
        var sum: Float = 0
        for i in 0..<128 { sum += d[i] * d[i] }
        var norm: Float = 0
        if !(sum < SIFTGradient.sqrtCut) {
            let xhalf = 0.5 * sum
            var r = Float(bitPattern: 0x5f37_59df &- (sum.bitPattern &>> 1))
            r = r * (1.5 - xhalf * r * r)
            r = r * (1.5 - xhalf * r * r)
            norm = sum * r
        }
        norm += Float.ulpOfOne
        for i in 0..<128 { d[i] /= norm }
        return norm
    }
}
