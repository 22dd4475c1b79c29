import Graph
import Imaging
import Tensor

/// Where activation maximization meets pixels: the noise it starts from, the valid pixel range it
/// is clipped to, and how its result is shown.
extension ActivationMaximizer {
    /// The start of `method` from noise: the authors' uniform noise in [0, 1) + 100 (`paper`), or grey
    /// noise in pixel space (115 + 25·U[0, 1)), preprocessed with `mode` (`regularized`).
    public func noiseStart(method: MaximizationSettings.Method, mode: Preprocessing, seed: UInt64) -> Tensor {
        if method == .paper { return paperStart(seed: seed) }
        var rng = SeededRandom(seed: seed)
        let s = inputShape
        var img = Image(width: s[1], height: s[0], channels: s[2])
        for i in img.pixels.indices { img.pixels[i] = 115 + 25 * rng.uniform() }
        return mode.tensor(from: [img])
    }

    /// The pixel range [0, 255] expressed in model input space (bounds over channels).
    public static func validRange(_ mode: Preprocessing) -> ClosedRange<Float> {
        let black = Image(width: 1, height: 1, channels: 3, fill: 0), white = Image(width: 1, height: 1, channels: 3, fill: 255)
        let lo = mode.tensor(from: [black]).data, hi = mode.tensor(from: [white]).data
        return min(lo.min()!, hi.min()!)...max(lo.max()!, hi.max()!)
    }

    /// A result as a picture: the authors' display transform (`paper`, or inputs that are not RGB), else the
    /// input mapped back to pixels through `mode` and clipped to [0, 255].
    /// An input that is not an image is drawn as a `TensorGrid` of the display transform.
    public static func displayImage(_ x: Tensor, method: MaximizationSettings.Method, mode: Preprocessing) -> Image {
        if x.rank != 4 {
            let plane = TensorGrid.plane(displayTransform(x).map { $0 * 255 })
            return TensorGrid.zoomed(Image(width: plane.shape[2], height: plane.shape[1], channels: 1, pixels: plane.data))
        }
        if method == .paper || x.shape.last != 3 {
            let shown = displayTransform(x).map { $0 * 255 }
            let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
            if c == 1 || c == 3 { return Image(width: w, height: h, channels: c, pixels: shown.data) }
            return normalizeForDisplay(shown, mode: .minMax)
        }
        var img = mode.image(from: x)
        img.pixels = img.pixels.map { min(max($0, 0), 255) }
        return img
    }
}
