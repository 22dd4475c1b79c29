import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import XCTest

/// `convscope diff`: per-layer weight change between two files of one architecture.
final class DiffTests: XCTestCase {
    static func fixture(_ name: String) -> String { ExportTests.fixture(name) }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func testIdenticalFilesShowNoChange() throws {
        // Same weights in two generations and layouts.
        let r = try WeightDiff.run(a: Self.fixture("tiny.keras3.h5"), b: Self.fixture("tiny.keras3.keras"), arch: nil)
        XCTAssertTrue(r.identical)
        XCTAssertEqual(r.changedLayers, 0)
        XCTAssertEqual(r.layers.map(\.name), ["conv1", "bn1", "conv2", "fc"])
        for l in r.layers {
            XCTAssertEqual(l.l2Change, 0)
            XCTAssertEqual(l.relativeChange, 0)
            XCTAssertEqual(l.maxAbsChange, 0)
            XCTAssertEqual(l.cosineSimilarity ?? 0, 1, accuracy: 1e-12)
        }
        XCTAssertEqual(r.totalL2Change, 0)
    }

    func testOnePerturbedLayerChangesAlone() throws {
        let dir = try tempDir()
        let file = try KerasFile.open(Self.fixture("tiny.keras3.h5"))
        let model = file.model!
        let conv2 = try XCTUnwrap(model.entry(path: "conv2")?.layer)
        var ws = conv2.weights
        let before = ws[0].value
        // Kernel (3, 3, 4, 8): change filter 5 by +0.5 at 4 places (‖Δ‖ = 1) and filter 2 by 0.1 once.
        var data = before.data
        for i in [5, 8 + 5, 16 + 5, 24 + 5] { data[i] += 0.5 }
        data[2] -= 0.1
        ws[0].value = Tensor(shape: before.shape, data: data)
        conv2.weights = ws
        var expected = 0.0, normA = 0.0
        for (x, y) in zip(before.data, data) { expected += (Double(y) - Double(x)) * (Double(y) - Double(x)); normA += Double(x) * Double(x) }
        for v in ws.dropFirst() { for x in v.value.data { normA += Double(x) * Double(x) } }
        let b = dir.appendingPathComponent("perturbed.h5").path
        try KerasWriter(file: file).write(.keras3H5, to: b)
        let png = dir.appendingPathComponent("chart.png").path
        let page = dir.appendingPathComponent("diff.html").path
        let r = try WeightDiff.run(a: Self.fixture("tiny.keras3.h5"), b: b, arch: nil, png: png, html: page)
        XCTAssertFalse(r.identical)
        XCTAssertEqual(r.changedLayers, 1)
        for l in r.layers where l.name != "conv2" {
            XCTAssertEqual(l.l2Change, 0, l.name)
            XCTAssertEqual(l.maxAbsChange, 0, l.name)
        }
        let c = try XCTUnwrap(r.layers.first { $0.name == "conv2" })
        XCTAssertEqual(c.l2Change, expected.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(c.l2Change, (1.0 + 0.01).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(c.relativeChange!, expected.squareRoot() / normA.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(c.maxAbsChange, 0.5, accuracy: 1e-6)
        XCTAssertLessThan(c.cosineSimilarity!, 1)
        let top = try XCTUnwrap(c.topFilters)
        XCTAssertEqual(top.count, 5)
        XCTAssertEqual(top[0].filter, 5)
        XCTAssertEqual(top[0].l2Change, 1, accuracy: 1e-6)
        XCTAssertEqual(top[1].filter, 2)
        XCTAssertEqual(top[1].l2Change, 0.1, accuracy: 1e-6)
        XCTAssertEqual(top[2].l2Change, 0)
        XCTAssertNil(r.layers.first { $0.name == "fc" }?.topFilters)
        // The chart is a real PNG, written atomically (no temp file left).
        let image = try ImageFile.load(png)
        XCTAssertGreaterThan(image.width, 100)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }, [])
        // The page colours each layer by its relative change: conv2 alone changed.
        let heat = try ModelPageTests.pageModel(String(contentsOfFile: page, encoding: .utf8)).allNodes.map { ($0.name, $0.heat["change"]) }
        XCTAssertEqual(heat.filter { $0.1 != nil }.map(\.0), ["conv1", "bn1", "conv2", "fc"])
        XCTAssertEqual(try XCTUnwrap(heat.first { $0.0 == "conv2" }?.1), c.relativeChange!, accuracy: 1e-12)
        XCTAssertEqual(heat.filter { ($0.1 ?? 0) > 0 }.map(\.0), ["conv2"])
        let json = try JSONOutput.string(r)
        XCTAssertTrue(json.contains("\"relative_change\""))
        XCTAssertTrue(json.contains("\"top_filters\""))
    }

    func testDifferentArchitecturesAreRefused() throws {
        XCTAssertThrowsError(try WeightDiff.run(a: Self.fixture("tiny.keras3.h5"), b: Self.fixture("multi.keras3.h5"), arch: nil)) { e in
            let c = e as? CommandError
            XCTAssertEqual(c?.exitCode, 2)
            // conv1 and shared_conv are both Conv2D (3, 3, 3, 4); the second weighted layers differ.
            XCTAssertEqual(c?.kind, .mismatch, "\(e)")
            XCTAssertTrue(c?.message.contains("'bn1' is BatchNormalization") ?? false, "\(e)")
            XCTAssertTrue(c?.message.contains("'head_a' is Dense with kernel (8, 3)") ?? false, "\(e)")
        }
    }

    /// Weights-only files are compared through `--arch`.
    func testWeightsFilesWithArch() throws {
        let dir = try tempDir()
        let a = dir.appendingPathComponent("a.weights.h5").path
        let b = dir.appendingPathComponent("b.weights.h5").path
        _ = try ExportTests.zooWeights("vonc", at: a, seed: 1)
        _ = try ExportTests.zooWeights("vonc", at: b, seed: 2)
        let r = try WeightDiff.run(a: a, b: b, arch: "vonc")
        XCTAssertEqual(r.changedLayers, r.layers.count)
        XCTAssertEqual(r.layers.count, 6)
        XCTAssertTrue(r.layers.allSatisfy { ($0.relativeChange ?? 0) > 0 })
    }
}
