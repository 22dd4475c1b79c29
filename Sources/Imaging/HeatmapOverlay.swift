import Foundation
import Tensor

/// `image` with `heat` (an HW, HW1, 1HW or 1HW1 tensor, any range) min–max normalised,
/// resized to the image with float bilinear resampling, coloured by `colormap` and blended
/// with weight `alpha` (0 = image only, 1 = heat map only).
public func heatmapOverlay(_ image: Image, heat: Tensor, alpha: Float = 0.5, colormap: Colormap = .jet) -> Image {
    let s = heat.shape
    let (h, w): (Int, Int)
    switch s.count {
    case 2: (h, w) = (s[0], s[1])
    case 3 where s[2] == 1: (h, w) = (s[0], s[1])
    case 3 where s[0] == 1: (h, w) = (s[1], s[2])
    case 4 where s[0] == 1 && s[3] == 1: (h, w) = (s[1], s[2])
    default: preconditionFailure("heatmapOverlay: heat must be HW, HW1, 1HW or 1HW1 (got shape \(s))")
    }
    let map = Image(width: w, height: h, channels: 1, pixels: heat.data)
        .resizedFloat(width: image.width, height: image.height, interpolation: .bilinear)
    let colored = colormap.apply(to: map)
    let base = image.toRGB()
    let a = min(1, max(0, alpha))
    var out = base
    for i in 0..<out.pixels.count {
        out.pixels[i] = base.pixels[i] * (1 - a) + colored.pixels[i] * a
    }
    return out
}
