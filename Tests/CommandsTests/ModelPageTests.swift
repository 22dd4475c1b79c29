@testable import Commands
import Foundation
import GraphLayout
import Imaging
import KerasIO
import ModelPage
import TestSupport
import XCTest

/// `inspect --html`, `plot` and the page model: Graphviz in-process, the page in headless Chromium
/// (Tests/report_check.sh --page), and the page size of big models.
final class ModelPageTests: XCTestCase {
    static func fixture(_ name: String) -> String { ExportTests.fixture(name) }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-page-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    /// The page model a page carries (its `model-data` script).
    static func pageModel(_ html: String) throws -> PageModel {
        let open = "<script type=\"application/json\" id=\"model-data\">"
        let start = try XCTUnwrap(html.range(of: open)).upperBound
        let end = try XCTUnwrap(html.range(of: "</script>", range: start..<html.endIndex)).lowerBound
        return try JSONDecoder().decode(PageModel.self, from: Data(html[start..<end].replacingOccurrences(of: "<\\/", with: "</").utf8))
    }

    func testPlotDrawsOneBoxPerLayerAsSVGAndPNG() throws {
        let d = try tempDir()
        // Two inputs, a shared convolution and two heads: Keras' model.layers has 8 entries.
        let svg = d.appendingPathComponent("multi.svg").path
        let r = try Plot.run(path: Self.fixture("multi.keras3.h5"), arch: nil, out: svg, showShapes: true, rankDirection: .LR, expandNested: false)
        XCTAssertEqual(r.format, "svg")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertEqual(Self.count("class=\"node\"", in: text), 8)
        XCTAssertEqual(Self.count("class=\"edge\"", in: text), r.edges)
        for name in ["in_a", "in_b", "shared_conv", "add", "concat", "gap", "head_a", "head_b"] {
            XCTAssertTrue(text.contains("<title>\(name)</title>"), name)
        }
        XCTAssertTrue(text.contains("(None, 8, 8, 3)"), "--show-shapes draws output shapes")
        // The shared convolution feeds add (twice, drawn once) and concat: the graph's real connections.
        XCTAssertTrue(text.contains("<title>shared_conv&#45;&gt;add</title>"))
        XCTAssertTrue(text.contains("<title>shared_conv&#45;&gt;concat</title>"))
        // A nested model expanded: its layers inside a cluster; collapsed: one box.
        let png = d.appendingPathComponent("nested.png").path
        let p = try Plot.run(path: Self.fixture("nested.keras3.keras"), arch: nil, out: png, showShapes: false, rankDirection: .TB, expandNested: true)
        XCTAssertEqual(p.boxes, 8)
        XCTAssertEqual(p.edges, 7, "a chain through the nested model, from its InputLayer (as Keras draws it) to the head")
        let image = try PNGCodec.decode(Data(contentsOf: URL(fileURLWithPath: png)))
        XCTAssertGreaterThan(image.width, 100)
        XCTAssertGreaterThan(image.height, 300)
        let collapsed = try Plot.run(path: Self.fixture("nested.keras3.keras"), arch: nil, out: d.appendingPathComponent("n.svg").path,
                                     showShapes: false, rankDirection: .TB, expandNested: false)
        XCTAssertEqual(collapsed.boxes, 2)
        XCTAssertEqual(collapsed.edges, 1)
    }

    func testBadInputWritesNothing() throws {
        let d = try tempDir()
        let gif = d.appendingPathComponent("m.gif").path
        XCTAssertThrowsError(try Plot.run(path: Self.fixture("multi.keras3.h5"), arch: nil, out: gif, showShapes: false, rankDirection: .TB, expandNested: false)) { e in
            XCTAssertEqual((e as? CommandError)?.exitCode, 2)
        }
        let html = d.appendingPathComponent("p.html").path
        let bad = d.appendingPathComponent("bad.h5")
        try Data("not a keras file".utf8).write(to: bad)
        XCTAssertThrowsError(try InspectPage.write(path: bad.path, arch: nil, weights: false, tree: false, expandNested: false, out: html))
        XCTAssertThrowsError(try Plot.run(path: bad.path, arch: nil, out: d.appendingPathComponent("p.svg").path, showShapes: false, rankDirection: .TB, expandNested: false))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.path), ["bad.h5"])
        XCTAssertEqual(DiagramFormat(path: "a/b.c/model.PNG"), .png)
        XCTAssertNil(DiagramFormat(path: "model.svg/x"))
    }

    /// The page in headless Chromium: one `data-layer` box per layer, `?q=` finds a layer (inside a nested
    /// model too, switching to the expanded view), no console errors, nothing from outside, a screenshot.
    func testPageOpensInAHeadlessBrowser() throws {
        guard ProcessInfo.processInfo.environment["CONVSCOPE_CHROMIUM"] == "1" else {
            XCTFail("the browser check of the model page needs chromium: run scripts/test.sh, or set CONVSCOPE_CHROMIUM=1 with chromium installed")
            return
        }
        let d = try tempDir()
        let nested = d.appendingPathComponent("nested.html").path
        let report = try InspectPage.write(path: Self.fixture("nested.keras3.keras"), arch: nil, weights: true, tree: false, expandNested: false, out: nested)
        let html = try String(contentsOfFile: nested, encoding: .utf8)
        let page = try Self.pageModel(html)
        XCTAssertEqual(page.nodes.map(\.name), ["backbone", "head"])
        let dw = try XCTUnwrap(page.allNodes.first { $0.name == "backbone/bb_dw" })
        XCTAssertEqual(dw.params, 80)
        XCTAssertEqual(dw.outputShape, "(None, 8, 8, 8)")
        XCTAssertEqual(dw.heat["params"], 80)
        XCTAssertEqual(page.weightColumns.count, 9, "--weights: the statistics columns")
        XCTAssertEqual(dw.weights.map { $0[0] }, ["kernel (0)", "bias (1)"], "Keras 3's stored indices named as the layer names them")
        XCTAssertEqual(dw.weights[0][1], "(3, 3, 8, 1)")
        XCTAssertTrue(page.facts.contains { $0.label == "generation" && $0.value == report.file.generation })
        let (dom, _) = try browser(nested, query: "bb_dw", shot: d.appendingPathComponent("nested.png"))
        XCTAssertEqual(Self.count("data-layer=", in: dom), 2 + 8, "collapsed view: 2 boxes; expanded: 8")
        XCTAssertTrue(dom.contains("data-found=\"backbone/bb_dw\""), "the search found the nested layer")
        XCTAssertTrue(dom.contains("data-view=\"expanded\""), "and opened the expanded view")
        XCTAssertEqual(dw.heat["macs"].map { Int($0) }, report.cost?.layers.first { $0.name == "backbone/bb_dw" }?.macs, "the page carries inspect's MACs")
        XCTAssertTrue(dom.contains("data-heat=\"macs\""), "and opens coloured by MACs")
        XCTAssertTrue(dom.contains("<h2>backbone/bb_dw</h2>"), "the panel shows the found layer")
        XCTAssertTrue(dom.contains("<td>kernel (0)</td><td>(3, 3, 8, 1)</td><td>float32</td>"), "with its weights and their statistics")

        // ResNet50: 177 layers, residual branches side by side (two boxes on one rank), found by name.
        let r50 = d.appendingPathComponent("resnet50.html").path
        _ = try InspectPage.write(path: try XCTUnwrap(Fixture.cached("resnet50.keras3.h5")), arch: nil, weights: false, tree: false, expandNested: false, out: r50)
        let (dom50, readyMs) = try browser(r50, query: "conv3_block2_add", shot: d.appendingPathComponent("resnet50.png"))
        XCTAssertEqual(Self.count("data-layer=", in: dom50), 177)
        XCTAssertTrue(dom50.contains("data-found=\"conv3_block2_add\""))
        XCTAssertLessThan(readyMs, 2000, "the page's own script is done within 2 s of navigation")
    }

    /// Runs Tests/report_check.sh --page; returns the DOM after load and the page's own ready time (ms).
    func browser(_ page: String, query: String, shot: URL) throws -> (String, Int) {
        let domFile = shot.deletingPathExtension().appendingPathExtension("dom.html")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Repository.root.appendingPathComponent("Tests/report_check.sh").path, "--page", page, shot.path, domFile.path, query]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, output)
        let dom = try String(contentsOf: domFile, encoding: .utf8)
        let ready = dom.range(of: #"data-ready-ms="(\d+)""#, options: .regularExpression).map {
            Int(dom[$0].dropFirst("data-ready-ms=\"".count).dropLast()) ?? .max
        } ?? .max
        print("\((page as NSString).lastPathComponent): \(output.trimmingCharacters(in: .whitespacesAndNewlines)); page ready \(ready) ms")
        let image = try PNGCodec.decode(Data(contentsOf: shot))
        XCTAssertEqual(image.width, 1280)
        return (dom, ready)
    }

    /// VGG16's 138M parameters and a 1000-layer residual model: pages under 5 MB without --weights.
    func testBigModelsMakeSmallPages() throws {
        let d = try tempDir()
        let vgg = d.appendingPathComponent("vgg16.html").path
        _ = try InspectPage.write(path: try XCTUnwrap(Fixture.cached("vgg16.keras3.h5")), arch: nil, weights: false, tree: false, expandNested: false, out: vgg)
        let vggBytes = try FileManager.default.attributesOfItem(atPath: vgg)[.size] as! Int
        let vggPage = try Self.pageModel(try String(contentsOfFile: vgg, encoding: .utf8))
        XCTAssertEqual(vggPage.nodes.reduce(0) { $0 + $1.params }, 138_357_544)
        XCTAssertLessThan(vggBytes, 5_000_000)

        // Input, then 333 blocks of Dense → Dense → Add(block input, second Dense): 1000 layers.
        var layers: [String] = [#"{"class_name": "InputLayer", "name": "input", "config": {"name": "input", "batch_shape": [null, 8], "dtype": "float32"}, "inbound_nodes": []}"#]
        func ref(_ n: String) -> String { #"{"class_name": "__keras_tensor__", "config": {"keras_history": ["# + "\"\(n)\", 0, 0]}}" }
        func dense(_ name: String, _ input: String) -> String {
            #"{"class_name": "Dense", "name": ""# + name + #"", "config": {"name": ""# + name + #"", "units": 8, "activation": "relu", "use_bias": true}, "inbound_nodes": [{"args": ["# + ref(input) + #"], "kwargs": {}}]}"#
        }
        var last = "input"
        for b in 0..<333 {
            layers.append(dense("d\(b)a", last))
            layers.append(dense("d\(b)b", "d\(b)a"))
            layers.append(#"{"class_name": "Add", "name": "add\#(b)", "config": {"name": "add\#(b)"}, "inbound_nodes": [{"args": [["# + ref(last) + ", " + ref("d\(b)b") + #"]], "kwargs": {}}]}"#)
            last = "add\(b)"
        }
        let config = #"{"class_name": "Functional", "config": {"name": "deep", "layers": ["# + layers.joined(separator: ",") +
            #"], "input_layers": [["input", 0, 0]], "output_layers": [[""# + last + #"", 0, 0]]}}"#
        let json = d.appendingPathComponent("deep.json")
        try Data(config.utf8).write(to: json)
        let model = try ArchitectureFile(path: json.path).model
        XCTAssertEqual(model.layers.count, 1000)
        let start = Date()
        let html = try ModelPageHTML.render(ModelPageBuilder.page(title: "deep", summary: ModelSummary(model), model: model))
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(Self.count("data-layer=", in: html), 1000)
        XCTAssertLessThan(html.utf8.count, 5_000_000)
        print("page sizes: VGG16 \(vggBytes) bytes; 1000 layers \(html.utf8.count) bytes, laid out and written in \(String(format: "%.2f", seconds)) s")
        // Responsive: the 1000-layer page opens, finds a layer and is ready within 2 s in the browser.
        guard ProcessInfo.processInfo.environment["CONVSCOPE_CHROMIUM"] == "1" else {
            XCTFail("the browser check of the model page needs chromium: run scripts/test.sh, or set CONVSCOPE_CHROMIUM=1 with chromium installed")
            return
        }
        let deep = d.appendingPathComponent("deep.html")
        try Data(html.utf8).write(to: deep)
        let (dom, readyMs) = try browser(deep.path, query: "d200b", shot: d.appendingPathComponent("deep.png"))
        XCTAssertTrue(dom.contains("data-found=\"d200b\""))
        XCTAssertLessThan(readyMs, 2000)
    }
}
