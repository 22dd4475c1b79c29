// Bilinear resampling private to Matching (half-pixel-centre convention, as
// OpenCV INTER_LINEAR without anti-aliasing). The paper resizes every image to
// 224x224 before matching (docs/paper-facts.md, "The retraining experiment").
// Kept isolated so it can be replaced by the Imaging target's resize later.

/// Resizes a single-plane float image with bilinear interpolation.
/// Source sample position for output pixel x is (x + 0.5) * inW / outW - 0.5,
/// clamped to the image; no anti-aliasing filter is applied when shrinking.
func matchingBilinearResize(_ pixels: [Float], width: Int, height: Int,
                            channels: Int = 1, toWidth: Int, toHeight: Int) -> [Float] {
    if width == toWidth && height == toHeight { return pixels }
    var out = [Float](repeating: 0, count: toWidth * toHeight * channels)
    let sx = Double(width) / Double(toWidth)
    let sy = Double(height) / Double(toHeight)
    pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<toHeight {
                let fy = min(max((Double(y) + 0.5) * sy - 0.5, 0), Double(height - 1))
                let y0 = Int(fy), y1 = min(y0 + 1, height - 1)
                let wy = Float(fy - Double(y0))
                for x in 0..<toWidth {
                    let fx = min(max((Double(x) + 0.5) * sx - 0.5, 0), Double(width - 1))
                    let x0 = Int(fx), x1 = min(x0 + 1, width - 1)
                    let wx = Float(fx - Double(x0))
                    for c in 0..<channels {
                        let a = src[(y0 * width + x0) * channels + c], b = src[(y0 * width + x1) * channels + c]
                        let d = src[(y1 * width + x0) * channels + c], e = src[(y1 * width + x1) * channels + c]
                        let top = a + (b - a) * wx, bottom = d + (e - d) * wx
                        dst[(y * toWidth + x) * channels + c] = top + (bottom - top) * wy
                    }
                }
            }
        }
    }
    return out
}
