// The Gaussian scale space of VLFeat 0.9.21's SIFT filter, computed here with the
// same arithmetic, written into the filter's own octave buffer, so vl_sift_detect,
// vl_sift_calc_keypoint_orientations and vl_sift_calc_keypoint_descriptor run on
// bit-identical levels (SIFTTests compares every level with VLFeat's own).
//
// Why: the Debian build of libvl has no SIMD smoothing; its vl_imconvcol_vf walks
// image columns one pixel at a time and took half of a SIFT extraction. Here each
// pass runs along rows, vectorised across pixels, and every output pixel still sums
// the same products in the same order as VLFeat (sift.c, imopv.c):
//  - filter (_vl_sift_smooth): W = max(ceil(4σ), 1); g[j] = Float(exp(-0.5·d²)),
//    d = Float(j - W) / Float(σ), j = 0...2W; g /= Σg (Float, in j order);
//  - smoothing: vertical pass then horizontal pass; each output is
//    acc = 0; acc += v(clamp(i - W + t)) · g[2W - t] for t = 0...2W (Float, no FMA),
//    edges replicated (VL_PAD_BY_CONTINUITY);
//  - first octave (o_min = -1): upsample along x then along y, odd samples
//    0.5·(a + b), the last sample repeated; o_min = 0 copies the image; other o_min
//    are left to vl_sift_process_first_octave. Base smoothing
//    sd = sqrt(sa² - sb²), sa = σ0·k^s_min, sb = σn·2^-o_min (octave units), when sa > sb;
//  - next octave: level min(s_min + S, s_max) subsampled by 2 (even rows and columns),
//    smoothed by sqrt(sa² - sb²) when sa = σ0·k^s_min > sb = σ0·k^(s_best - S)
//    (never with the defaults: s_best - S = s_min);
//  - level s = s_min+1 ... s_max: level s-1 smoothed by dσ0·k^s.
import CVLFeat
import Foundation

/// Fills a VLFeat SIFT filter's octaves (replaces vl_sift_process_first/next_octave).
enum SIFTScaleSpace {
    /// Builds the first octave from `image` (width x height, row-major); VL_ERR_OK or VL_ERR_EOF as VLFeat returns.
    static func processFirstOctave(_ f: UnsafeMutablePointer<VlSiftFilt>, _ image: UnsafePointer<Float>) -> Int32 {
        let oMin = Int(f.pointee.o_min)
        guard oMin == -1 || oMin == 0 else { return vl_sift_process_first_octave(f, image) }
        f.pointee.o_cur = f.pointee.o_min
        f.pointee.nkeys = 0
        let width = Int(f.pointee.width), height = Int(f.pointee.height)
        let w = oMin == -1 ? width * 2 : width, h = oMin == -1 ? height * 2 : height
        f.pointee.octave_width = Int32(w)
        f.pointee.octave_height = Int32(h)
        if f.pointee.O == 0 { return VL_ERR_EOF }
        let base = f.pointee.octave!
        let temp = f.pointee.temp!  // VLFeat's scratch: one first-octave level
        if oMin == -1 {
            upsample(image, width: width, height: height, into: base, scratch: temp)
        } else {
            base.update(from: image, count: width * height)
        }
        let sa = f.pointee.sigma0 * pow(f.pointee.sigmak, Double(f.pointee.s_min))
        let sb = f.pointee.sigman * pow(2.0, Double(-oMin))
        if sa > sb {
            smooth(base, into: base, width: w, height: h, sigma: (sa * sa - sb * sb).squareRoot(), scratch: temp)
        }
        fillLevels(f, width: w, height: h)
        return VL_ERR_OK
    }

    /// Builds the next octave from the current one; VL_ERR_EOF after the last.
    static func processNextOctave(_ f: UnsafeMutablePointer<VlSiftFilt>) -> Int32 {
        let s = f.pointee
        if s.o_cur == s.o_min + s.O - 1 { return VL_ERR_EOF }
        let sBest = min(Int(s.s_min + s.S), Int(s.s_max))
        let w = Int(s.octave_width), h = Int(s.octave_height)
        let base = s.octave!
        let source = base + w * h * (sBest - Int(s.s_min))
        f.pointee.o_cur += 1
        f.pointee.nkeys = 0
        let ow = shifted(Int(s.width), octave: Int(f.pointee.o_cur)), oh = shifted(Int(s.height), octave: Int(f.pointee.o_cur))
        f.pointee.octave_width = Int32(ow)
        f.pointee.octave_height = Int32(oh)
        // copy_and_downsample (d = 1): even columns of even rows, in order (reads never behind writes).
        var out = base
        for y in stride(from: 0, to: h, by: 2) {
            let row = source + y * w
            for x in stride(from: 0, to: w - 1, by: 2) { out.pointee = row[x]; out += 1 }
        }
        let sa = s.sigma0 * Double(powf(Float(s.sigmak), Float(s.s_min)))
        let sb = s.sigma0 * Double(powf(Float(s.sigmak), Float(sBest - Int(s.S))))
        if sa > sb { smooth(base, into: base, width: ow, height: oh, sigma: (sa * sa - sb * sb).squareRoot(), scratch: s.temp!) }
        fillLevels(f, width: ow, height: oh)
        return VL_ERR_OK
    }

    /// VL_SHIFT_LEFT(size, -octave): the size of an image dimension at `octave`.
    static func shifted(_ size: Int, octave: Int) -> Int { octave >= 0 ? size >> octave : size << -octave }

    /// Levels s_min+1 ... s_max, each the previous one smoothed by dσ0·k^s.
    static func fillLevels(_ f: UnsafeMutablePointer<VlSiftFilt>, width w: Int, height h: Int) {
        let s = f.pointee
        for level in Int(s.s_min + 1)...Int(s.s_max) {
            let previous = s.octave! + w * h * (level - 1 - Int(s.s_min))
            smooth(previous, into: previous + w * h, width: w, height: h,
                   sigma: s.dsigma0 * pow(s.sigmak, Double(level)), scratch: s.temp!)
        }
    }

    /// VLFeat's normalised Gaussian of half-width W = max(ceil(4σ), 1).
    static func filter(sigma: Double) -> [Float] {
        let half = max(Int(ceil(4.0 * sigma)), 1)
        var g = [Float](repeating: 0, count: 2 * half + 1)
        var acc: Float = 0
        for j in g.indices {
            let d = Float(j - half) / Float(sigma)
            g[j] = Float(exp(-0.5 * Double(d * d)))
            acc += g[j]
        }
        for j in g.indices { g[j] /= acc }
        return g
    }

    /// Separable smoothing (vertical then horizontal); `input` may equal `output`; `vertical` holds w·h
    /// floats (the filter's own temp buffer, so no image-sized allocation per call). Each pass keeps 16
    /// outputs of a row in registers over all taps (same products, same order as VLFeat per output).
    static func smooth(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                       width w: Int, height h: Int, sigma: Double, scratch vertical: UnsafeMutablePointer<Float>) {
        let g = filter(sigma: sigma)
        let half = g.count / 2, taps = g.count
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: w + 2 * half)
        let sources = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: taps)
        defer { padded.deallocate(); sources.deallocate() }
        // Coefficients in tap order: tap t multiplies g[2W - t].
        let coefficients = Array(g.reversed())
        coefficients.withUnsafeBufferPointer { cp in
            let c = cp.baseAddress!
            // Vertical: V(y, x) = Σ_t in(clamp(y - W + t), x) · g[2W - t].
            for y in 0..<h {
                for t in 0..<taps { sources[t] = input + min(max(y - half + t, 0), h - 1) * w }
                convolve(sources, count: w, taps: taps, coefficients: c, into: vertical + y * w)
            }
            // Horizontal on a row padded by its edge values: out(y, x) = Σ_t pad(x + t) · g[2W - t].
            for y in 0..<h {
                let row = vertical + y * w
                padded.initialize(repeating: row[0], count: half)
                (padded + half).update(from: row, count: w)
                (padded + half + w).initialize(repeating: row[w - 1], count: half)
                for t in 0..<taps { sources[t] = UnsafePointer(padded + t) }
                convolve(sources, count: w, taps: taps, coefficients: c, into: output + y * w)
            }
        }
    }

    /// out[x] = ((0 + s_0[x]·c_0) + s_1[x]·c_1) + ... for x in 0..<count, 16 outputs at a time held in
    /// registers across the taps (then 4 at a time, then one).
    @inline(__always)
    static func convolve(_ sources: UnsafeMutablePointer<UnsafePointer<Float>>, count: Int, taps: Int,
                         coefficients c: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 16 <= count {
            var acc = SIMD16<Float>()
            for t in 0..<taps {
                acc += UnsafeRawPointer(sources[t] + x).loadUnaligned(as: SIMD16<Float>.self) * c[t]
            }
            UnsafeMutableRawPointer(out + x).storeBytes(of: acc, as: SIMD16<Float>.self)
            x += 16
        }
        while x + 4 <= count {
            var acc = SIMD4<Float>()
            for t in 0..<taps {
                acc += UnsafeRawPointer(sources[t] + x).loadUnaligned(as: SIMD4<Float>.self) * c[t]
            }
            UnsafeMutableRawPointer(out + x).storeBytes(of: acc, as: SIMD4<Float>.self)
            x += 4
        }
        while x < count {
            var acc: Float = 0
            for t in 0..<taps { acc += sources[t][x] * c[t] }
            out[x] = acc
            x += 1
        }
    }

    /// copy_and_upsample_rows twice: x doubled, then y; odd samples 0.5·(a + b), the last repeated.
    static func upsample(_ image: UnsafePointer<Float>, width: Int, height: Int, into out: UnsafeMutablePointer<Float>,
                         scratch rows: UnsafeMutablePointer<Float>) {
        let w2 = 2 * width
        func doubled(_ row: UnsafePointer<Float>, _ n: Int, stride: Int, into dst: UnsafeMutablePointer<Float>, dstStride: Int) {
            for k in 0..<(n - 1) {
                let a = row[k * stride], b = row[(k + 1) * stride]
                dst[2 * k * dstStride] = a
                dst[(2 * k + 1) * dstStride] = Float(0.5 * Double(a + b))
            }
            dst[(2 * n - 2) * dstStride] = row[(n - 1) * stride]
            dst[(2 * n - 1) * dstStride] = row[(n - 1) * stride]
        }
        for y in 0..<height { doubled(image + y * width, width, stride: 1, into: rows + y * w2, dstStride: 1) }
        for x in 0..<w2 { doubled(rows + x, height, stride: w2, into: out + x, dstStride: w2) }
    }
}

