import Foundation

extension Image {
    /// Resized exactly as PIL `Image.resize((width, height), filter, box)` on the 8-bit image
    /// (samples are rounded to 0…255 first). `box` is the source region (x0, y0, x1, y1),
    /// default the whole image. RGBA is resampled premultiplied, as PIL does.
    public func resized(width outWidth: Int, height outHeight: Int, interpolation: Interpolation = .nearest,
                        box: (Float, Float, Float, Float)? = nil) -> Image {
        precondition(outWidth > 0 && outHeight > 0, "resize: size must be positive")
        let b: [Float]
        if let box { b = [box.0, box.1, box.2, box.3] } else { b = [0, 0, Float(width), Float(height)] }
        let inside = b[0] >= 0 && b[1] >= 0 && b[2] <= Float(width) && b[3] <= Float(height)
        precondition(inside && b[2] >= b[0] && b[3] >= b[1], "resize: box outside the image")
        var src = bytes()
        // Integer box of exactly the output size: PIL crops instead of resampling.
        let integral = b[0] == b[0].rounded(.towardZero) && b[1] == b[1].rounded(.towardZero)
        if integral && b[2] - b[0] == Float(outWidth) && b[3] - b[1] == Float(outHeight) {
            return crop(x: Int(b[0]), y: Int(b[1]), width: outWidth, height: outHeight, from: src)
        }
        if interpolation == .nearest {
            let out = Resampler.nearest(src, width: width, height: height, channels: channels,
                                        outWidth: outWidth, outHeight: outHeight, box: b, fill: 0)
            return Image(width: outWidth, height: outHeight, channels: channels, bytes: out)
        }
        if channels == 4 { Image.premultiply(&src) }
        var out = Resampler.resample8(src, width: width, height: height, channels: channels,
                                      outWidth: outWidth, outHeight: outHeight, box: b, filter: interpolation)
        if channels == 4 { Image.unpremultiply(&out) }
        return Image(width: outWidth, height: outHeight, channels: channels, bytes: out)
    }

    /// Resized without 8-bit quantisation (PIL's float path); for heat maps and activations.
    public func resizedFloat(width outWidth: Int, height outHeight: Int, interpolation: Interpolation = .bilinear) -> Image {
        precondition(outWidth > 0 && outHeight > 0, "resize: size must be positive")
        if interpolation == .nearest {
            let out = Resampler.nearest(pixels, width: width, height: height, channels: channels,
                                        outWidth: outWidth, outHeight: outHeight,
                                        box: [0, 0, Float(width), Float(height)], fill: 0)
            return Image(width: outWidth, height: outHeight, channels: channels, pixels: out)
        }
        let out = Resampler.resampleFloat(pixels, width: width, height: height, channels: channels,
                                          outWidth: outWidth, outHeight: outHeight, filter: interpolation)
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: out)
    }

    /// The `width × height` region at (x, y), clipped to the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        var out = Image(width: max(0, x1 - x0), height: max(0, y1 - y0), channels: channels)
        for yy in y0..<max(y0, y1) {
            let src = (yy * width + x0) * channels
            let dst = (yy - y0) * out.width * channels
            out.pixels.replaceSubrange(dst..<(dst + out.width * channels), with: pixels[src..<(src + out.width * channels)])
        }
        return out
    }

    private func crop(x: Int, y: Int, width w: Int, height h: Int, from src: [UInt8]) -> Image {
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for yy in 0..<h {
            let s = ((y + yy) * width + x) * channels
            out.replaceSubrange((yy * w * channels)..<((yy + 1) * w * channels), with: src[s..<(s + w * channels)])
        }
        return Image(width: w, height: h, channels: channels, bytes: out)
    }

    /// PIL RGBA → RGBa: colour × alpha / 255 with MULDIV255 rounding.
    static func premultiply(_ p: inout [UInt8]) {
        for i in stride(from: 0, to: p.count, by: 4) {
            let a = UInt32(p[i + 3])
            for c in 0..<3 {
                let t = UInt32(p[i + c]) * a + 128
                p[i + c] = UInt8(((t >> 8) + t) >> 8)
            }
        }
    }

    /// PIL RGBa → RGBA: colour × 255 / alpha, truncated and clipped (alpha 0 or 255 left as is).
    static func unpremultiply(_ p: inout [UInt8]) {
        for i in stride(from: 0, to: p.count, by: 4) {
            let a = Int(p[i + 3])
            guard a != 0 && a != 255 else { continue }
            for c in 0..<3 { p[i + c] = UInt8(min(255, 255 * Int(p[i + c]) / a)) }
        }
    }
}
