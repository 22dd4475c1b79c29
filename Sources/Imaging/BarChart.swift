import Foundation

/// A bar chart with optional symmetric error bars and category labels (e.g. per-layer
/// weight change, or the paper's occlusion/Figure 6 style summaries).
public struct BarChart: Sendable {
    public var categories: [String]
    public var values: [Double]
    /// Half-lengths of the error bars (e.g. standard deviations), one per bar.
    public var errors: [Double]?
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var color: Color

    public init(categories: [String], values: [Double], errors: [Double]? = nil, title: String = "",
                xLabel: String = "", yLabel: String = "", color: Color = .blue) {
        precondition(categories.count == values.count, "bar chart: \(categories.count) categories for \(values.count) values")
        precondition(errors == nil || errors!.count == values.count, "bar chart: one error per value")
        self.categories = categories
        self.values = values
        self.errors = errors
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.color = color
    }

    /// Renders to an RGB image; `scale` enlarges the bitmap font (2 reads well at 640 px).
    public func render(width: Int = 640, height: Int = 400, scale s: Int = 2) -> Image {
        var canvas = Canvas(width: width, height: height)
        let errs = errors ?? [Double](repeating: 0, count: values.count)
        let finite = zip(values, errs).filter { $0.0.isFinite }
        let lo = min(0, finite.map { $0.0 - abs($0.1.isFinite ? $0.1 : 0) }.min() ?? 0)
        let hi = max(0, finite.map { $0.0 + abs($0.1.isFinite ? $0.1 : 0) }.max() ?? 1)
        // Category labels: horizontal if they fit their slot, else rotated and trimmed so
        // they take at most about 30% of the height.
        let approxSlot = (width - 80 * s) / max(1, values.count)
        let rotate = (categories.map { BitmapFont.size(of: $0, scale: s).width }.max() ?? 0) > approxSlot - 2 * s
        let maxChars = rotate ? max(4, height * 3 / 10 / (BitmapFont.advance * s)) : Int.max
        let labels = categories.map { $0.count > maxChars ? String($0.prefix(maxChars - 1)) + "~" : $0 }
        let widest = labels.map { BitmapFont.size(of: $0, scale: s).width }.max() ?? 0
        let labelSpace = (rotate ? widest : BitmapFont.glyphHeight * s) + 6 * s
        let ticks = ChartAxes.niceTicks(lo, hi, target: ChartAxes.tickTarget(height: height - labelSpace, scale: s))
        let frame = ChartAxes.drawFrame(on: &canvas, title: title, yLabel: yLabel, xLabel: xLabel,
                                        yTicks: ticks, bottomSpace: labelSpace, scale: s)
        guard !values.isEmpty else { return canvas.image }
        let slot = Double(frame.width) / Double(values.count)
        let barWidth = max(1, Int(slot * 0.7))
        let zero = frame.py(0)
        for (i, v) in values.enumerated() {
            let center = frame.x + Int((Double(i) + 0.5) * slot)
            if v.isFinite {
                let top = frame.py(v)
                canvas.fill(x: center - barWidth / 2, y: min(top, zero), width: barWidth, height: max(1, abs(zero - top)), color: color)
            }
            if errs[i] > 0, errs[i].isFinite, v.isFinite {
                let y0 = frame.py(v - errs[i]), y1 = frame.py(v + errs[i])
                let cap = max(2, barWidth / 4)
                let t = max(1, s / 2)
                canvas.line(from: (center, y0), to: (center, y1), color: .black, thickness: t)
                canvas.line(from: (center - cap, y0), to: (center + cap, y0), color: .black, thickness: t)
                canvas.line(from: (center - cap, y1), to: (center + cap, y1), color: .black, thickness: t)
            }
            let labelTop = frame.y + frame.height + 4 * s
            if rotate {
                canvas.verticalText(labels[i], x: center - BitmapFont.glyphHeight * s / 2,
                                    y: labelTop + widest - BitmapFont.size(of: labels[i], scale: s).width, scale: s)
            } else {
                canvas.centeredText(labels[i], centerX: center, y: labelTop, scale: s)
            }
        }
        // Redraw the zero line over the bars when the range includes negatives.
        if frame.yMin < 0 {
            canvas.line(from: (frame.x, zero), to: (frame.x + frame.width, zero), color: .black, thickness: max(1, s / 2))
        }
        return canvas.image
    }
}
