import Foundation

/// A line plot of several series with a legend (e.g. training loss/accuracy curves).
public struct LineChart: Sendable {
    /// One named curve; `color` defaults to the next palette colour.
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: Color?

        public init(name: String, x: [Double], y: [Double], color: Color? = nil) {
            precondition(x.count == y.count, "series \(name): \(x.count) x values for \(y.count) y values")
            self.name = name
            self.x = x
            self.y = y
            self.color = color
        }

        /// A series over x = 1, 2, 3, … (epochs).
        public init(name: String, y: [Double], color: Color? = nil) {
            self.init(name: name, x: (0..<y.count).map { Double($0 + 1) }, y: y, color: color)
        }
    }

    public var series: [Series]
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Fixed y range (e.g. 0…1 for accuracy); default fits the data.
    public var yRange: ClosedRange<Double>?

    public init(series: [Series], title: String = "", xLabel: String = "", yLabel: String = "",
                yRange: ClosedRange<Double>? = nil) {
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.yRange = yRange
    }

    /// Renders to an RGB image; `scale` enlarges the bitmap font.
    public func render(width: Int = 720, height: Int = 440, scale s: Int = 2) -> Image {
        var canvas = Canvas(width: width, height: height)
        let points = series.flatMap { zip($0.x, $0.y) }.filter { $0.0.isFinite && $0.1.isFinite }
        let ys = points.map(\.1), xs = points.map(\.0)
        let yTicks = ChartAxes.niceTicks(yRange?.lowerBound ?? ys.min() ?? 0, yRange?.upperBound ?? ys.max() ?? 1,
                                         target: ChartAxes.tickTarget(height: height, scale: s))
        let xTicks = ChartAxes.niceTicks(xs.min() ?? 0, xs.max() ?? 1, target: max(2, min(8, width / (45 * s))))
        var frame = ChartAxes.drawFrame(on: &canvas, title: title, yLabel: yLabel, xLabel: xLabel, yTicks: yTicks,
                                        bottomSpace: BitmapFont.glyphHeight * s + 6 * s, scale: s)
        frame.xMin = xTicks.first ?? 0
        frame.xMax = xTicks.last ?? 1
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        for v in xTicks {
            let x = frame.px(v)
            canvas.line(from: (x, frame.y + frame.height), to: (x, frame.y + frame.height + 3 * s), color: .black,
                        thickness: max(1, s / 2))
            canvas.centeredText(ChartAxes.label(v, step: xStep), centerX: x, y: frame.y + frame.height + 5 * s, scale: s)
        }
        let colors = series.enumerated().map { $0.element.color ?? Color.palette[$0.offset % Color.palette.count] }
        for (k, curve) in series.enumerated() {
            let pts = zip(curve.x, curve.y).filter { $0.0.isFinite && $0.1.isFinite }
                .map { (frame.px($0.0), frame.py(min(max($0.1, frame.yMin), frame.yMax))) }
            for (a, b) in zip(pts, pts.dropFirst()) {
                canvas.line(from: (a.0, a.1), to: (b.0, b.1), color: colors[k], thickness: s)
            }
            if pts.count <= 40 {
                for p in pts { canvas.circle(center: (p.0, p.1), radius: s + 1, color: colors[k]) }
            }
        }
        let pixels = series.map { curve in
            zip(curve.x, curve.y).filter { $0.0.isFinite && $0.1.isFinite }.map { (frame.px($0.0), frame.py($0.1)) }
        }
        drawLegend(on: &canvas, frame: frame, colors: colors, avoiding: pixels.flatMap { $0 }, scale: s)
        return canvas.image
    }

    /// Legend box (colour swatch and name per series) in the plot corner covering the
    /// fewest data points, preferring top right.
    private func drawLegend(on canvas: inout Canvas, frame: ChartAxes.Frame, colors: [Color],
                            avoiding points: [(Int, Int)], scale s: Int) {
        guard !series.isEmpty else { return }
        let names = series.map(\.name)
        let textWidth = names.map { BitmapFont.size(of: $0, scale: s).width }.max() ?? 0
        let row = BitmapFont.lineHeight * s + 2 * s
        let swatch = 12 * s
        let boxWidth = 4 * s + swatch + 4 * s + textWidth + 4 * s
        let boxHeight = 4 * s + row * names.count
        let left = frame.x + 6 * s, right = frame.x + frame.width - boxWidth - 4 * s
        let top = frame.y + 4 * s, bottom = frame.y + frame.height - boxHeight - 6 * s
        let corners = [(right, top), (left, top), (right, bottom), (left, bottom)]
        func covered(_ c: (Int, Int)) -> Int {
            points.filter { $0.0 >= c.0 - 2 * s && $0.0 <= c.0 + boxWidth + 2 * s && $0.1 >= c.1 - 2 * s && $0.1 <= c.1 + boxHeight + 2 * s }.count
        }
        let (bx, by) = corners.min { covered($0) < covered($1) }!
        canvas.fill(x: bx, y: by, width: boxWidth, height: boxHeight, color: Color.white.withAlpha(230))
        canvas.strokeRect(x: bx, y: by, width: boxWidth, height: boxHeight, color: .grey, thickness: max(1, s / 2))
        for (i, name) in names.enumerated() {
            let y = by + 4 * s + i * row
            let mid = y + BitmapFont.glyphHeight * s / 2
            canvas.line(from: (bx + 4 * s, mid), to: (bx + 4 * s + swatch, mid), color: colors[i], thickness: s)
            canvas.text(name, x: bx + 8 * s + swatch, y: y, scale: s)
        }
    }
}
