import Foundation

/// Colour maps from a scalar in [0, 1] to RGB, for heat maps.
///
/// `viridis` is matplotlib's perceptually uniform map approximated by linear interpolation
/// between 9 evenly spaced samples (dark purple → blue → green → yellow); `jet` is the classic
/// MATLAB rainbow (blue → cyan → yellow → red) from its piecewise-linear definition; `grey`
/// is black → white.
public enum Colormap: String, Sendable, CaseIterable {
    case viridis, jet, grey

    static let viridisAnchors: [(Float, Float, Float)] = [
        (68, 1, 84), (71, 44, 122), (59, 82, 139), (44, 113, 142), (33, 145, 140),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// The colour for `t` (clamped to [0, 1]; NaN maps to 0).
    public func color(_ t: Float) -> Color {
        let v = t.isNaN ? 0 : min(1, max(0, t))
        switch self {
        case .grey:
            return Color(grey: v * 255)
        case .jet:
            func ramp(_ center: Float) -> Float { min(1, max(0, 1.5 - abs(4 * v - center))) * 255 }
            return Color(ramp(3), ramp(2), ramp(1))
        case .viridis:
            let a = Colormap.viridisAnchors
            let pos = v * Float(a.count - 1)
            let i = min(a.count - 2, Int(pos))
            let f = pos - Float(i)
            return Color(a[i].0 + (a[i + 1].0 - a[i].0) * f,
                         a[i].1 + (a[i + 1].1 - a[i].1) * f,
                         a[i].2 + (a[i + 1].2 - a[i].2) * f)
        }
    }

    /// An RGB image of a 1-channel image's values, min–max normalised then coloured.
    public func apply(to values: Image) -> Image {
        precondition(values.channels == 1, "colormap: expected 1 channel, got \(values.channels)")
        let lo = values.pixels.min() ?? 0, hi = values.pixels.max() ?? 0
        let span = hi > lo ? hi - lo : 1
        var out = [Float](repeating: 0, count: values.pixels.count * 3)
        for (i, v) in values.pixels.enumerated() {
            let c = color((v - lo) / span)
            out[3 * i] = c.r; out[3 * i + 1] = c.g; out[3 * i + 2] = c.b
        }
        return Image(width: values.width, height: values.height, channels: 3, pixels: out)
    }

    /// A horizontal colour bar `width × height`, low values on the left.
    public func bar(width: Int, height: Int) -> Image {
        var canvas = Canvas(width: width, height: height)
        for x in 0..<width {
            canvas.fill(x: x, y: 0, width: 1, height: height, color: color(width > 1 ? Float(x) / Float(width - 1) : 0))
        }
        return canvas.image
    }
}
