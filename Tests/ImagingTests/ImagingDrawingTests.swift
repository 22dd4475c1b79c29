import Foundation
import Imaging
import Tensor
import XCTest

/// Drawing, montage and chart tests (in `ImagingTests` so `--filter ImagingTests` runs them).
/// Set IMAGING_FIGURES_DIR to keep the rendered PNGs for inspection.
extension ImagingTests {
    func keep(_ image: Image, _ name: String) throws {
        let folder = try ProcessInfo.processInfo.environment["IMAGING_FIGURES_DIR"].map { URL(fileURLWithPath: $0) }
            ?? temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try ImageFile.save(image, to: path)
        XCTAssertEqual(try ImageFile.load(path), Image(width: image.width, height: image.height, channels: image.channels,
                                                        bytes: image.bytes()))
    }

    func colorAt(_ image: Image, _ x: Int, _ y: Int) -> [Float] {
        (0..<image.channels).map { image[y, x, $0] }
    }

    func testFontCoversPrintableASCII() {
        for code in 33..<127 {
            let ch = Character(UnicodeScalar(UInt8(code)))
            let lit = (0..<7).flatMap { r in (0..<5).map { c in BitmapFont.isSet(ch, row: r, column: c) } }.filter { $0 }.count
            XCTAssertGreaterThan(lit, 0, "glyph \(ch)")
        }
        XCTAssertFalse((0..<7).contains { r in (0..<5).contains { BitmapFont.isSet(" ", row: r, column: $0) } })
        XCTAssertEqual(BitmapFont.size(of: "ab", scale: 2).width, 22)
        XCTAssertEqual(BitmapFont.size(of: "a\nbcd", scale: 1).height, 16)
        // 'T' has its full top bar and its stem in the middle column.
        XCTAssertTrue((0..<5).allSatisfy { BitmapFont.isSet("T", row: 0, column: $0) })
        XCTAssertTrue((1..<7).allSatisfy { BitmapFont.isSet("T", row: $0, column: 2) && !BitmapFont.isSet("T", row: $0, column: 0) })
    }

    func testCanvasPrimitives() {
        var canvas = Canvas(width: 20, height: 10, background: .white)
        canvas.fill(x: 2, y: 3, width: 4, height: 2, color: .black)
        XCTAssertEqual(colorAt(canvas.image, 2, 3), [0, 0, 0])
        XCTAssertEqual(colorAt(canvas.image, 5, 4), [0, 0, 0])
        XCTAssertEqual(colorAt(canvas.image, 6, 4), [255, 255, 255])
        XCTAssertEqual(canvas.image.pixels.filter { $0 == 0 }.count, 4 * 2 * 3)
        canvas.fill(x: -5, y: -5, width: 100, height: 1, color: .red)  // fully clipped, no crash
        canvas.line(from: (0, 9), to: (9, 0), color: .blue)
        XCTAssertEqual(colorAt(canvas.image, 0, 9), [31, 119, 180])
        XCTAssertEqual(colorAt(canvas.image, 9, 0), [31, 119, 180])
        XCTAssertEqual(colorAt(canvas.image, 4, 5), [31, 119, 180])
        var blend = Canvas(width: 1, height: 1, background: .black)
        blend.plot(x: 0, y: 0, color: Color(255, 255, 255, 127.5))
        XCTAssertEqual(colorAt(blend.image, 0, 0), [127.5, 127.5, 127.5])
        var circle = Canvas(width: 21, height: 21, background: .white)
        circle.circle(center: (10, 10), radius: 5, color: .black)
        XCTAssertEqual(colorAt(circle.image, 10, 10), [0, 0, 0])
        XCTAssertEqual(colorAt(circle.image, 15, 10), [0, 0, 0])
        XCTAssertEqual(colorAt(circle.image, 16, 10), [255, 255, 255])
        XCTAssertEqual(colorAt(circle.image, 14, 14), [255, 255, 255])  // outside the radius along the diagonal
        let filled = circle.image.pixels.filter { $0 == 0 }.count / 3
        XCTAssertEqual(Double(filled), Double.pi * 25, accuracy: 12)
    }

    func testPasteScalesByNearestNeighbour() {
        let tile = Image(width: 2, height: 2, channels: 1, pixels: [0, 50, 100, 150])
        var canvas = Canvas(width: 6, height: 6, background: .white)
        canvas.paste(tile, x: 1, y: 1, width: 4, height: 4)
        XCTAssertEqual(colorAt(canvas.image, 1, 1), [0, 0, 0])
        XCTAssertEqual(colorAt(canvas.image, 2, 2), [0, 0, 0])
        XCTAssertEqual(colorAt(canvas.image, 3, 1), [50, 50, 50])
        XCTAssertEqual(colorAt(canvas.image, 4, 4), [150, 150, 150])
        XCTAssertEqual(colorAt(canvas.image, 5, 5), [255, 255, 255])
        canvas.paste(tile, x: 5, y: 5, width: 10, height: 10)  // clipped at the edge
        XCTAssertEqual(colorAt(canvas.image, 5, 5), [0, 0, 0])
    }

    func testTextDrawsInsideItsBox() {
        var canvas = Canvas(width: 40, height: 20)
        let size = canvas.text("Hi!", x: 3, y: 2, scale: 2)
        XCTAssertEqual(size.width, 34)
        XCTAssertEqual(size.height, 14)
        var dark = [(Int, Int)]()
        for y in 0..<20 { for x in 0..<40 where canvas.image[y, x, 0] == 0 { dark.append((x, y)) } }
        XCTAssertFalse(dark.isEmpty)
        XCTAssertTrue(dark.allSatisfy { $0.0 >= 3 && $0.0 < 3 + 34 && $0.1 >= 2 && $0.1 < 2 + 14 })
    }

    func testColormaps() {
        XCTAssertEqual(Colormap.viridis.color(0), Color(68, 1, 84))
        XCTAssertEqual(Colormap.viridis.color(1), Color(253, 231, 37))
        XCTAssertEqual(Colormap.jet.color(0), Color(0, 0, 127.5))
        XCTAssertEqual(Colormap.jet.color(0.5), Color(127.5, 255, 127.5))
        XCTAssertEqual(Colormap.jet.color(1), Color(127.5, 0, 0))
        XCTAssertEqual(Colormap.grey.color(2), Color(255, 255, 255))
        XCTAssertEqual(Colormap.viridis.color(.nan), Colormap.viridis.color(0))
        // Viridis gets monotonically brighter (its defining property).
        let luma = stride(from: 0, through: 1, by: 0.05).map { t -> Float in
            let c = Colormap.viridis.color(Float(t)); return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b
        }
        XCTAssertEqual(luma, luma.sorted())
    }

    func testHeatmapOverlay() throws {
        let image = Image(width: 8, height: 6, channels: 3, fill: 100)
        let heat = Tensor(shape: [1, 2, 2, 1], data: [0, 1, 2, 3])
        XCTAssertEqual(heatmapOverlay(image, heat: heat, alpha: 0), image)
        let full = heatmapOverlay(image, heat: heat, alpha: 1, colormap: .grey)
        XCTAssertEqual([full.width, full.height, full.channels], [8, 6, 3])
        XCTAssertEqual(full[0, 0, 0], 0, accuracy: 1e-3)  // the minimum corner stays at the minimum
        XCTAssertEqual(full[5, 7, 0], 255, accuracy: 1e-3)
        XCTAssertLessThan(full[0, 0, 0], full[0, 7, 0])
        XCTAssertLessThan(full[0, 7, 0], full[5, 0, 0])
        let half = heatmapOverlay(image, heat: Tensor(shape: [2, 2], data: [0, 1, 2, 3]), alpha: 0.5, colormap: .grey)
        XCTAssertEqual(half[0, 0, 0], 50, accuracy: 1e-3)
        try keep(heatmapOverlay(try ImageFile.load(ImagingTests.resources.appendingPathComponent("rgb.png").path)
                                    .resized(width: 92, height: 68), heat: heat, alpha: 0.5), "heatmap.png")
    }

    func testDisplayNormalization() {
        let t = Tensor(shape: [2, 1, 2, 1], data: [-1, 3, 5, 5])
        XCTAssertEqual(normalizeForDisplay(t).pixels, [0, 255])
        XCTAssertEqual(normalizeForDisplay(t, item: 1).pixels, [0, 0])  // constant → 0
        // mean 1, std 2: (x − 1)/2·0.1 + 0.5 → 0.4, 0.6
        let paper = normalizeForDisplay(t, mode: .standardized).pixels
        XCTAssertEqual(paper[0], 0.4 * 255, accuracy: 1e-3)
        XCTAssertEqual(paper[1], 0.6 * 255, accuracy: 1e-3)
        let wild = DisplayNormalization.standardized.apply([0, 0, 0, 1000])
        let expectedTop: Float = 255 * (0.5 + 0.1 * 3 / Float(3).squareRoot())
        XCTAssertEqual(wild.max()!, expectedTop, accuracy: 1e-2)
        XCTAssertEqual(DisplayNormalization.standardized.apply([2, 2]), [127.5, 127.5])  // std floor 1e-4
        let maps = featureMapImages(Tensor(shape: [1, 2, 2, 3], data: (0..<12).map(Float.init)))
        XCTAssertEqual(maps.count, 3)
        XCTAssertEqual(maps[1].pixels, [0, 85, 170, 255])
    }

    func testMontageLayout() throws {
        let redPixels: [Float] = (0..<240).map { $0 % 3 == 0 ? 255 : 0 }
        let red = Image(width: 10, height: 8, channels: 3, pixels: redPixels)
        let grey = Image(width: 6, height: 6, channels: 1, fill: 90)
        let m = Montage.grid([.init(red, caption: "input"), .init(grey, caption: "conv1"), .init(grey)], columns: 2, padding: 3)
        // Cells widen to the 5-character captions (29 px): 2 columns + 3 paddings;
        // 2 rows of (8 + caption 10) + 3 paddings. Tiles are centred in their cells.
        XCTAssertEqual(m.width, 2 * 29 + 3 * 3)
        XCTAssertEqual(m.height, 2 * (8 + 10) + 3 * 3)
        XCTAssertEqual(colorAt(m, 3 + 9, 3), [255, 0, 0])
        XCTAssertEqual(colorAt(m, 3 + 8, 3), [255, 255, 255])
        XCTAssertEqual(colorAt(m, 3 + 29 + 3 + 11, 3 + 1), [90, 90, 90])
        let fm = Montage.featureMaps(Tensor(shape: [1, 4, 4, 5], data: (0..<80).map { sin(Float($0)) }), columns: 3, zoom: 4)
        XCTAssertEqual(fm.width, 3 * 16 + 4 * 2)
        try keep(m, "montage.png")
        try keep(fm, "feature-maps.png")
    }

    func testCharts() throws {
        let bars = BarChart(categories: ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7"],
                            values: [0.12, 0.35, 0.8, 0.55, 0.41, -0.1, 0.2], errors: [0.02, 0.05, 0.1, 0.04, 0.06, 0.05, 0.03],
                            title: "Per-layer weight change", xLabel: "layer", yLabel: "relative change")
        let barImage = bars.render()
        XCTAssertEqual([barImage.width, barImage.height, barImage.channels], [640, 400, 3])
        XCTAssertTrue(barImage.pixels.contains(31))  // the bar colour is present
        try keep(barImage, "bar-chart.png")
        let long = BarChart(categories: (0..<12).map { "block\($0)_conv_long_name" }, values: (0..<12).map { Double($0) },
                            title: "Rotated labels", yLabel: "count")
        try keep(long.render(), "bar-chart-rotated.png")
        let epochs = 30
        let loss: [Double] = (0..<epochs).map { e in 2.3 * exp(-Double(e) / 8) + 0.1 }
        let valLoss: [Double] = (0..<epochs).map { e in
            let decay: Double = 2.3 * exp(-Double(e) / 9)
            return decay + 0.2 + 0.002 * Double(e)
        }
        let chart = LineChart(series: [.init(name: "train loss", y: loss), .init(name: "val loss", y: valLoss)],
                              title: "Training", xLabel: "epoch", yLabel: "loss")
        let lineImage = chart.render()
        XCTAssertEqual([lineImage.width, lineImage.height], [720, 440])
        try keep(lineImage, "line-chart.png")
        let steps: [Double] = (0..<200).map(Double.init)
        let accuracy: [Double] = steps.map { 1 - exp(-$0 / 40) }
        let acc = LineChart(series: [.init(name: "accuracy", x: steps, y: accuracy)],
                            title: "Accuracy", xLabel: "step", yLabel: "accuracy", yRange: 0...1)
        try keep(acc.render(width: 500, height: 300, scale: 1), "line-chart-small.png")
    }
}
