import Foundation

/// A drawing surface over an RGB `Image`: rectangles, lines, circles, pasted images
/// and bitmap text. Coordinates are pixels, (0, 0) top left; drawing clips at the edges
/// and colours with alpha < 255 blend over what is there.
public struct Canvas: Sendable {
    /// The pixels drawn so far (3 channels).
    public private(set) var image: Image

    public var width: Int { image.width }
    public var height: Int { image.height }

    /// A blank canvas filled with `background`.
    public init(width: Int, height: Int, background: Color = .white) {
        image = Image(width: width, height: height, channels: 3)
        fill(x: 0, y: 0, width: width, height: height, color: background.withAlpha(255))
    }

    /// A canvas starting from `image` (converted to RGB).
    public init(image: Image) { self.image = image.toRGB() }

    /// Sets or blends one pixel; outside the canvas does nothing.
    public mutating func plot(x: Int, y: Int, color: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        if color.a >= 255 {
            image.pixels[i] = color.r; image.pixels[i + 1] = color.g; image.pixels[i + 2] = color.b
        } else if color.a > 0 {
            let t = color.a / 255
            image.pixels[i] += (color.r - image.pixels[i]) * t
            image.pixels[i + 1] += (color.g - image.pixels[i + 1]) * t
            image.pixels[i + 2] += (color.b - image.pixels[i + 2]) * t
        }
    }

    /// Fills the rectangle [x, x + width) × [y, y + height).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        for yy in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for xx in max(0, x)..<max(max(0, x), min(width, x + w)) { plot(x: xx, y: yy, color: color) }
        }
    }

    /// Outlines the rectangle with lines `thickness` pixels wide, inside its bounds.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: Color, thickness: Int = 1) {
        fill(x: x, y: y, width: w, height: thickness, color: color)
        fill(x: x, y: y + h - thickness, width: w, height: thickness, color: color)
        fill(x: x, y: y + thickness, width: thickness, height: h - 2 * thickness, color: color)
        fill(x: x + w - thickness, y: y + thickness, width: thickness, height: h - 2 * thickness, color: color)
    }

    /// A Bresenham line between two pixel centres, `thickness` pixels wide (square pen).
    public mutating func line(from p0: (x: Int, y: Int), to p1: (x: Int, y: Int), color: Color, thickness: Int = 1) {
        var x = p0.x, y = p0.y
        let dx = abs(p1.x - x), dy = -abs(p1.y - y)
        let sx = x < p1.x ? 1 : -1, sy = y < p1.y ? 1 : -1
        var err = dx + dy
        let offset = (thickness - 1) / 2
        while true {
            if thickness <= 1 {
                plot(x: x, y: y, color: color)
            } else {
                fill(x: x - offset, y: y - offset, width: thickness, height: thickness, color: color)
            }
            if x == p1.x && y == p1.y { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// A dashed horizontal or vertical helper line (for grids), `dash` on, `dash` off.
    public mutating func dashedLine(from p0: (x: Int, y: Int), to p1: (x: Int, y: Int), color: Color, dash: Int = 3) {
        let steps = max(abs(p1.x - p0.x), abs(p1.y - p0.y))
        guard steps > 0 else { plot(x: p0.x, y: p0.y, color: color); return }
        for s in 0...steps where (s / dash) % 2 == 0 {
            plot(x: p0.x + (p1.x - p0.x) * s / steps, y: p0.y + (p1.y - p0.y) * s / steps, color: color)
        }
    }

    /// A circle of `radius` around (cx, cy), filled or as a one-pixel outline (midpoint algorithm).
    public mutating func circle(center: (x: Int, y: Int), radius: Int, color: Color, filled: Bool = true) {
        guard radius > 0 else { plot(x: center.x, y: center.y, color: color); return }
        if filled {
            for dy in -radius...radius {
                let half = Int((Double(radius * radius - dy * dy) + 0.25).squareRoot())
                fill(x: center.x - half, y: center.y + dy, width: 2 * half + 1, height: 1, color: color)
            }
            return
        }
        var x = radius, y = 0, err = 1 - radius
        while x >= y {
            for (px, py) in [(x, y), (y, x), (-y, x), (-x, y), (-x, -y), (-y, -x), (y, -x), (x, -y)] {
                plot(x: center.x + px, y: center.y + py, color: color)
            }
            y += 1
            if err < 0 { err += 2 * y + 1 } else { x -= 1; err += 2 * (y - x) + 1 }
        }
    }

    /// Pastes `source` with its top-left at (x, y), scaled to `width × height` by nearest
    /// neighbour (default: its own size). Grey becomes RGB; RGBA alpha blends.
    public mutating func paste(_ source: Image, x: Int, y: Int, width w: Int? = nil, height h: Int? = nil) {
        let tw = w ?? source.width, th = h ?? source.height
        guard tw > 0, th > 0, source.width > 0, source.height > 0 else { return }
        let src = source.channels == 4 ? source : source.toRGB()
        for ty in max(0, -y)..<max(max(0, -y), min(th, height - y)) {
            let sy = min(source.height - 1, ty * source.height / th)
            for tx in max(0, -x)..<max(max(0, -x), min(tw, width - x)) {
                let sx = min(source.width - 1, tx * source.width / tw)
                let i = (sy * source.width + sx) * src.channels
                let alpha: Float = src.channels == 4 ? src.pixels[i + 3] : 255
                plot(x: x + tx, y: y + ty, color: Color(src.pixels[i], src.pixels[i + 1], src.pixels[i + 2], alpha))
            }
        }
    }

    /// Draws `text` (ASCII; "\n" starts a new line) with its top-left at (x, y), each
    /// font pixel a `scale × scale` block. Returns the drawn size.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1) -> (width: Int, height: Int) {
        var cy = y
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var cx = x
            for ch in line {
                for row in 0..<BitmapFont.glyphHeight {
                    for col in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(ch, row: row, column: col) {
                        fill(x: cx + col * scale, y: cy + row * scale, width: scale, height: scale, color: color)
                    }
                }
                cx += BitmapFont.advance * scale
            }
            cy += BitmapFont.lineHeight * scale
        }
        return BitmapFont.size(of: text, scale: scale)
    }

    /// Draws one line of text rotated 90° counter-clockwise (reading bottom to top), with
    /// the rotated block's top-left at (x, y); for vertical axis labels.
    public mutating func verticalText(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1) {
        let length = BitmapFont.size(of: text, scale: scale).width
        for (k, ch) in text.enumerated() {
            for row in 0..<BitmapFont.glyphHeight {
                for col in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(ch, row: row, column: col) {
                    let along = k * BitmapFont.advance * scale + col * scale
                    fill(x: x + row * scale, y: y + length - along - scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    /// Draws `text` horizontally centred on `centerX`.
    public mutating func centeredText(_ text: String, centerX: Int, y: Int, color: Color = .black, scale: Int = 1) {
        let w = BitmapFont.size(of: text, scale: scale).width
        self.text(text, x: centerX - w / 2, y: y, color: color, scale: scale)
    }
}
