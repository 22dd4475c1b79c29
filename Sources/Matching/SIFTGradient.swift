// The gradient images VLFeat 0.9.21's SIFT builds once per octave (sift.c, update_gradient) for
// the levels s_min+1 ... s_max-2, computed here with the same float arithmetic, vectorised along
// rows (8 pixels at a time), and kept as two planes per level (modulus, angle) instead of
// VLFeat's interleaved pairs. Per pixel, as VLFeat (mathop.h):
//  - gx = 0.5·(right - left), gy = 0.5·(below - above) (Float); one-sided differences
//    (right - centre, centre - left, ...) on the first and last column and row;
//  - modulus = vl_fast_sqrt_f(gx·gx + gy·gy): 0 when Double(x) < 1e-8, else x · y where y is
//    0x5f3759df - (bits(x) >> 1) refined by two Newton steps y·(1.5 - (0.5x·y)·y);
//  - angle = vl_mod_2pi_f(Float(Double(vl_fast_atan2_f(gy, gx)) + 2π)); vl_fast_atan2_f:
//    |gy| + ε_f, r = (gx - |gy|)/(gx + |gy|) and π/4 when gx >= 0, else (gx + |gy|)/(|gy| - gx)
//    and 3π/4, angle + ((0.1821·r)·r - 0.9675)·r, negated when gy < 0;
//  - vl_mod_2pi_f: subtract Float(2π) while above it, then add it while below 0.
// SIFTDescriptorTests checks the lanes against the scalar formulas and compares every orientation and descriptor
// computed from these planes with VLFeat's own, bit for bit.
import CVLFeat

/// Gradient modulus and angle planes of one octave's levels s_min+1 ... s_max-2 (one thread at a time).
final class SIFTGradient {
    /// Modulus planes, level-major (level, row, column).
    private(set) var modulus: UnsafeMutablePointer<Float>
    /// Angle planes in [0, 2π], same layout.
    private(set) var angle: UnsafeMutablePointer<Float>
    private var capacity: Int
    private var rows: UnsafeMutablePointer<Float>  // gx row then gy row
    private var rowCapacity: Int
    /// The octave whose gradient the planes hold (nil: none, e.g. after a new image).
    private var octave: Int32?

    init() {
        capacity = 0; rowCapacity = 0
        modulus = .allocate(capacity: 1); angle = .allocate(capacity: 1); rows = .allocate(capacity: 1)
    }

    deinit { modulus.deallocate(); angle.deallocate(); rows.deallocate() }

    /// Forgets the planes (the filter holds a new image).
    func invalidate() { octave = nil }

    /// Makes the planes hold the filter's current octave (as update_gradient does for VLFeat's buffer).
    func update(_ f: UnsafeMutablePointer<VlSiftFilt>) {
        let s = f.pointee
        if octave == s.o_cur { return }
        let w = Int(s.octave_width), h = Int(s.octave_height)
        let levels = max(Int(s.s_max - s.s_min) - 2, 0)
        reserve(levels * w * h, row: 2 * w)
        for level in 0..<levels {
            let source = s.octave! + (level + 1) * w * h
            for y in 0..<h {
                gradientRow(source, width: w, height: h, y: y, gx: rows, gy: rows + w)
                let out = level * w * h + y * w
                SIFTGradient.polar(gx: rows, gy: rows + w, count: w, modulus: modulus + out, angle: angle + out)
            }
        }
        octave = s.o_cur
    }

    private func reserve(_ count: Int, row: Int) {
        if count > capacity {
            modulus.deallocate(); angle.deallocate()
            modulus = .allocate(capacity: count); angle = .allocate(capacity: count)
            capacity = count
        }
        if row > rowCapacity {
            rows.deallocate()
            rows = .allocate(capacity: row)
            rowCapacity = row
        }
    }

    /// gx and gy of row y (VLFeat's one-sided differences on the borders; w, h >= 2).
    private func gradientRow(_ src: UnsafePointer<Float>, width w: Int, height h: Int, y: Int,
                             gx: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>) {
        let row = src + y * w
        gx[0] = row[1] - row[0]
        for x in 1..<(w - 1) { gx[x] = 0.5 * (row[x + 1] - row[x - 1]) }
        gx[w - 1] = row[w - 1] - row[w - 2]
        if y == 0 {
            for x in 0..<w { gy[x] = row[x + w] - row[x] }
        } else if y == h - 1 {
            for x in 0..<w { gy[x] = row[x] - row[x - w] }
        } else {
            for x in 0..<w { gy[x] = 0.5 * (row[x + w] - row[x - w]) }
        }
    }

    static let twoPiF = Float(2 * Double.pi)
    /// The smallest Float f with Double(f) >= 1e-8: Double(x) < 1e-8 exactly when x < this.
    static let sqrtCut: Float = { let t = Float(1e-8); return Double(t) >= 1e-8 ? t : t.nextUp }()

    /// Modulus and angle of `count` gradient pairs (8 at a time, the tail padded).
    static func polar(gx: UnsafePointer<Float>, gy: UnsafePointer<Float>, count: Int,
                      modulus: UnsafeMutablePointer<Float>, angle: UnsafeMutablePointer<Float>) {
        var x = 0
        while x < count {
            let n = min(8, count - x)
            var a = SIMD8<Float>(), b = SIMD8<Float>()
            if n == 8 {
                a = UnsafeRawPointer(gx + x).loadUnaligned(as: SIMD8<Float>.self)
                b = UnsafeRawPointer(gy + x).loadUnaligned(as: SIMD8<Float>.self)
            } else {
                for l in 0..<n { a[l] = gx[x + l]; b[l] = gy[x + l] }
            }
            let (m, t) = polar(a, b)
            if n == 8 {
                UnsafeMutableRawPointer(modulus + x).storeBytes(of: m, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(angle + x).storeBytes(of: t, as: SIMD8<Float>.self)
            } else {
                for l in 0..<n { modulus[x + l] = m[l]; angle[x + l] = t[l] }
            }
            x += 8
        }
    }

    /// vl_fast_sqrt_f(gx² + gy²) and vl_mod_2pi_f(vl_fast_atan2_f(gy, gx) + 2π), lane by lane.
    @inline(__always)
    static func polar(_ gx: SIMD8<Float>, _ gy: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        // vl_fast_sqrt_f
        let x = gx * gx + gy * gy
        let xhalf = 0.5 * x
        var y = unsafeBitCast(0x5f37_59df &- (unsafeBitCast(x, to: SIMD8<UInt32>.self) &>> 1), to: SIMD8<Float>.self)
        y = y * (1.5 - xhalf * y * y)
        y = y * (1.5 - xhalf * y * y)
        let modulus = (x * y).replacing(with: 0, where: x .< sqrtCut)
        // vl_fast_atan2_f
        let absY = unsafeBitCast(unsafeBitCast(gy, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: SIMD8<Float>.self) + Float.ulpOfOne
        let right = gx .>= 0
        let r = gx.replacing(with: gx - absY, where: right).replacing(with: gx + absY, where: .!right)
            / absY.replacing(with: gx + absY, where: right).replacing(with: absY - gx, where: .!right)
        var theta = SIMD8<Float>(repeating: Float(3 * Double.pi / 4)).replacing(with: Float(Double.pi / 4), where: right)
        theta = theta + (0.1821 * r * r - 0.9675) * r
        theta.replace(with: -theta, where: gy .< 0)
        // + 2π in Double, rounded to Float, then vl_mod_2pi_f
        for l in 0..<8 { theta[l] = Float(Double(theta[l]) + 2 * Double.pi) }
        return (modulus, mod2Pi(theta))
    }

    /// vl_mod_2pi_f lane by lane.
    @inline(__always)
    static func mod2Pi(_ v: SIMD8<Float>) -> SIMD8<Float> {
        var t = v
        while true { let m = t .> twoPiF; if !any(m) { break }; t.replace(with: t - twoPiF, where: m) }
        while true { let m = t .< 0; if !any(m) { break }; t.replace(with: t + twoPiF, where: m) }
        return t
    }

    /// vl_mod_2pi_f.
    @inline(__always)
    static func mod2Pi(_ v: Float) -> Float {
        var t = v
        while t > twoPiF { t -= twoPiF }
        while t < 0 { t += twoPiF }
        return t
    }
}
