import Foundation

/// Channel-layout conversions, matching PIL's `Image.convert`.
extension Image {
    /// Grey via PIL's L = (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16, i.e. weights
    /// 0.299, 0.587, 0.114 with rounding, on samples rounded to 8 bits. Alpha is ignored.
    public func toGrey() -> Image {
        if channels == 1 { return self }
        var out = [Float](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { p in
            for i in 0..<(width * height) {
                let r = UInt32(Image.byte(p[i * channels]))
                let g = UInt32(Image.byte(p[i * channels + 1]))
                let b = UInt32(Image.byte(p[i * channels + 2]))
                out[i] = Float((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    /// RGB: grey replicated, alpha dropped (PIL `convert('RGB')` drops alpha, it does not composite).
    public func toRGB() -> Image {
        switch channels {
        case 3:
            return self
        case 1:
            var out = [Float](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                out[3 * i] = pixels[i]; out[3 * i + 1] = pixels[i]; out[3 * i + 2] = pixels[i]
            }
            return Image(width: width, height: height, channels: 3, pixels: out)
        default:
            var out = [Float](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                for c in 0..<3 { out[3 * i + c] = pixels[channels * i + c] }
            }
            return Image(width: width, height: height, channels: 3, pixels: out)
        }
    }

    /// RGBA: colour as `toRGB()`, alpha kept or set opaque (255).
    public func toRGBA() -> Image {
        if channels == 4 { return self }
        let rgb = toRGB()
        var out = [Float](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            for c in 0..<3 { out[4 * i + c] = rgb.pixels[3 * i + c] }
        }
        return Image(width: width, height: height, channels: 4, pixels: out)
    }

    /// The image with `channels` channels (1, 3 or 4), converted as above.
    public func converted(toChannels n: Int) -> Image {
        switch n {
        case 1: return toGrey()
        case 3: return toRGB()
        default: return toRGBA()
        }
    }
}
