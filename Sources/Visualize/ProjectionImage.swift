import Imaging
import Tensor

extension Projection {
    /// A projection (1, H, W, C) as a displayable image: min–max normalised over all its pixels and
    /// channels (1 or 3 channels), else the per-pixel L2 norm over the channels.
    public static func image(_ t: Tensor) -> Image {
        let c = t.shape.last ?? 1
        if c == 3 || c == 1 { return normalizeForDisplay(t, mode: .minMax) }
        // Other channel counts: show the per-pixel L2 norm.
        let (h, w) = (t.shape[1], t.shape[2])
        var m = Tensor(zeros: [1, h, w, 1])
        for p in 0..<(h * w) {
            var s: Float = 0
            for k in 0..<c { s += t.data[p * c + k] * t.data[p * c + k] }
            m.data[p] = s.squareRoot()
        }
        return normalizeForDisplay(m, mode: .minMax)
    }
}
