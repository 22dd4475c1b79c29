// Figure 7 of the paper: the RANSAC-filtered matches between a reconstructed
// input and its closest training image, drawn side by side with one line per
// match (like skimage.feature.plot_matched_features). Drawing is deliberately
// minimal (Bresenham lines, Bresenham 1965, and 3x3 end dots) and private to this
// file so it can move onto the Imaging target's canvas later.
import Imaging

/// Side-by-side match plots.
public enum MatchPlot {
    /// Query on the left, other image on the right (both resized to `size`x`size` like the
    /// matcher, nil keeps sizes), one coloured line per (inlier) match; RGB output.
    public static func render(query: Image, other: Image, matches: [PointMatch],
                              size: Int? = 224, inliersOnly: Bool = true) -> Image {
        let left = rgb(query, size: size), right = rgb(other, size: size)
        let width = left.width + right.width, height = max(left.height, right.height)
        var canvas = Image(width: width, height: height, channels: 3, fill: 0)
        for (img, offset) in [(left, 0), (right, left.width)] {
            for y in 0..<img.height {
                for x in 0..<img.width {
                    for c in 0..<3 { canvas[y, x + offset, c] = img[y, x, c] }
                }
            }
        }
        let palette: [[Float]] = [[255, 0, 0], [0, 255, 0], [0, 128, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255]]
        var colourIndex = 0
        for m in matches where m.inlier || !inliersOnly {
            let colour = palette[colourIndex % palette.count]
            colourIndex += 1
            let x0 = Int(m.query.x.rounded()), y0 = Int(m.query.y.rounded())
            let x1 = Int(m.other.x.rounded()) + left.width, y1 = Int(m.other.y.rounded())
            drawLine(&canvas, x0, y0, x1, y1, colour)
            drawDot(&canvas, x0, y0, colour)
            drawDot(&canvas, x1, y1, colour)
        }
        return canvas
    }

    /// The image as 3-channel RGB at the matcher's size.
    private static func rgb(_ image: Image, size: Int?) -> Image {
        var pixels = [Float](repeating: 0, count: image.width * image.height * 3)
        for i in 0..<(image.width * image.height) {
            for c in 0..<3 {
                pixels[i * 3 + c] = image.pixels[i * image.channels + (image.channels >= 3 ? c : 0)]
            }
        }
        guard let size else { return Image(width: image.width, height: image.height, channels: 3, pixels: pixels) }
        let resized = matchingBilinearResize(pixels, width: image.width, height: image.height, channels: 3,
                                             toWidth: size, toHeight: size)
        return Image(width: size, height: size, channels: 3, pixels: resized)
    }

    private static func plot(_ canvas: inout Image, _ x: Int, _ y: Int, _ colour: [Float]) {
        guard x >= 0, y >= 0, x < canvas.width, y < canvas.height else { return }
        for c in 0..<3 { canvas[y, x, c] = colour[c] }
    }

    private static func drawDot(_ canvas: inout Image, _ x: Int, _ y: Int, _ colour: [Float]) {
        for dy in -1...1 { for dx in -1...1 { plot(&canvas, x + dx, y + dy, colour) } }
    }

    private static func drawLine(_ canvas: inout Image, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: [Float]) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            plot(&canvas, x, y, colour)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
