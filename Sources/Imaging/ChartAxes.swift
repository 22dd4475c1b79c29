import Foundation

/// Tick placement, tick labels and the axes frame shared by `BarChart` and `LineChart`.
enum ChartAxes {
    /// About `target` evenly spaced "nice" ticks (steps 1, 2, 2.5 or 5 × 10ⁿ) covering [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi <= lo {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let raw = (hi - lo) / Double(max(1, target - 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(lo / step + 1e-9) * step
        let last = ceil(hi / step - 1e-9) * step
        let count = Int(((last - first) / step).rounded()) + 1
        return (0..<count).map { first + Double($0) * step }
    }

    /// How many y ticks suit a chart `height` pixels tall: about one per 3 text lines.
    static func tickTarget(height: Int, scale: Int) -> Int {
        max(3, min(7, height / (BitmapFont.lineHeight * scale * 3)))
    }

    /// A tick label with as many decimals as the tick step needs; exponent form for extremes.
    static func label(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let mag = max(abs(v), step)
        if mag >= 1e6 || step < 1e-4 { return String(format: "%.1e", v) }
        let decimals = max(0, Int(ceil(-log10(step) - 1e-9)) + (step * pow(10, ceil(-log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(decimals)f", v)
    }

    /// The plot rectangle inside a canvas and the value → pixel mapping for y (and x for line charts).
    struct Frame {
        var x: Int, y: Int, width: Int, height: Int
        var yMin: Double, yMax: Double
        var xMin: Double = 0, xMax: Double = 1

        func py(_ v: Double) -> Int { y + height - Int(((v - yMin) / (yMax - yMin) * Double(height)).rounded()) }
        func px(_ v: Double) -> Int { x + Int(((v - xMin) / (xMax - xMin) * Double(width)).rounded()) }
    }

    /// Draws the title, the y axis with ticks, labels and grid lines, and the x axis line.
    /// Returns the frame; `bottomSpace` is reserved below the plot for x labels.
    static func drawFrame(on canvas: inout Canvas, title: String, yLabel: String, xLabel: String,
                          yTicks: [Double], bottomSpace: Int, scale s: Int) -> Frame {
        let step = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        let tickLabels = yTicks.map { label($0, step: step) }
        let tickWidth = tickLabels.map { BitmapFont.size(of: $0, scale: s).width }.max() ?? 0
        let lineH = BitmapFont.lineHeight * s
        let top = (title.isEmpty ? 0 : lineH + 6 * s) + 6 * s
        let left = 6 * s + (yLabel.isEmpty ? 0 : BitmapFont.glyphHeight * s + 6 * s) + tickWidth + 6 * s
        let bottom = bottomSpace + (xLabel.isEmpty ? 0 : lineH + 2 * s) + 4 * s
        let right = 12 * s
        let frame = Frame(x: left, y: top, width: max(10, canvas.width - left - right),
                          height: max(10, canvas.height - top - bottom),
                          yMin: yTicks.first ?? 0, yMax: yTicks.last ?? 1)
        if !title.isEmpty {
            canvas.centeredText(title, centerX: frame.x + frame.width / 2, y: 6 * s, scale: s)
        }
        for (v, text) in zip(yTicks, tickLabels) {
            let y = frame.py(v)
            canvas.dashedLine(from: (frame.x + 1, y), to: (frame.x + frame.width, y), color: .lightGrey, dash: 2 * s)
            canvas.line(from: (frame.x - 3 * s, y), to: (frame.x, y), color: .black, thickness: max(1, s / 2))
            let w = BitmapFont.size(of: text, scale: s).width
            canvas.text(text, x: frame.x - 5 * s - w, y: y - BitmapFont.glyphHeight * s / 2, scale: s)
        }
        if !yLabel.isEmpty {
            let length = BitmapFont.size(of: yLabel, scale: s).width
            canvas.verticalText(yLabel, x: 6 * s, y: frame.y + frame.height / 2 - length / 2, scale: s)
        }
        if !xLabel.isEmpty {
            canvas.centeredText(xLabel, centerX: frame.x + frame.width / 2, y: canvas.height - lineH - 2 * s, scale: s)
        }
        let axis = max(1, s / 2)
        canvas.line(from: (frame.x, frame.y), to: (frame.x, frame.y + frame.height), color: .black, thickness: axis)
        canvas.line(from: (frame.x, frame.y + frame.height), to: (frame.x + frame.width, frame.y + frame.height),
                    color: .black, thickness: axis)
        return frame
    }
}
