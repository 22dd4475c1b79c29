import Foundation

/// Resampling filters, named as in `keras.utils.load_img(interpolation:)` (PIL's filters).
public enum Interpolation: String, Sendable, CaseIterable {
    case nearest, bilinear, bicubic, hamming, box, lanczos

    /// Half-width of the filter kernel at scale 1 (PIL's `support`).
    var support: Double {
        switch self {
        case .nearest, .box: return 0.5
        case .bilinear, .hamming: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    /// The kernel, transcribed from PIL's Resample.c (including its float constants).
    func weight(_ t: Double) -> Double {
        switch self {
        case .nearest, .box:
            return t > -0.5 && t <= 0.5 ? 1 : 0
        case .bilinear:
            let x = abs(t)
            return x < 1 ? 1 - x : 0
        case .hamming:
            let x = abs(t)
            if x == 0 { return 1 }
            if x >= 1 { return 0 }
            let px = x * Double.pi
            // PIL writes 0.54f and 0.46f: single-precision constants.
            return sin(px) / px * (Double(Float(0.54)) + Double(Float(0.46)) * cos(px))
        case .bicubic:
            let a = -0.5
            let x = abs(t)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            guard t >= -3 && t < 3 else { return 0 }
            return Interpolation.sinc(t) * Interpolation.sinc(t / 3)
        }
    }

    private static func sinc(_ t: Double) -> Double {
        if t == 0 { return 1 }
        let x = t * Double.pi
        return sin(x) / x
    }
}
