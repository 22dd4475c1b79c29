// VLFeat 0.9.21's fast_expn (sift.c): exp(-x) for 0 <= x <= 25 by linear interpolation in a
// 257-entry table, tab[k] = exp(-k·25/256) (glibc's exp, as vl_sift_new fills it), 0 above 25:
//   x·10.24 = i + r (i = floor), tab[i] + r·(tab[i+1] - tab[i]), all in Double.
// x = 25 exactly would read tab[257], one past VLFeat's table; here that entry is exp(-257·25/256).
import Foundation

/// exp(-x) as VLFeat's SIFT approximates it (orientation and descriptor windows).
enum SIFTFastExp {
    static let table: [Double] = (0...257).map { exp(-Double($0) * (25.0 / 256.0)) }

    /// fast_expn(x), x >= 0.
    @inline(__always)
    static func expn(_ x: Double, _ tab: UnsafePointer<Double>) -> Double {
        if x > 25.0 { return 0 }
        let s = x * (256.0 / 25.0)
        let i = Int(s)  // s >= 0: truncation is vl_floor_d
        let r = s - Double(i)
        let a = tab[i], b = tab[i + 1]
        return a + r * (b - a)
    }
}
