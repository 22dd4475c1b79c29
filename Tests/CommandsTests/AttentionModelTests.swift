import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// The attention models of Fixtures/attention (Fixtures/py/attention.py): a small ViT-style classifier and
/// an Embedding + self-attention text classifier, saved by Keras 3 (.h5, .keras) and tf-keras (.h5).
final class AttentionModelTests: XCTestCase {
    private static let root = Fixture.root.appendingPathComponent("attention")

    private func cases() throws -> [JSON] { try XCTUnwrap(try Fixture.json("attention/cases.json").arrayValue) }
    private func path(_ name: String) -> String { Self.root.appendingPathComponent(name).path }

    private static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        var diff = 0.0, ref = 0.0
        for i in 0..<a.count {
            diff = max(diff, abs(Double(a.data[i]) - Double(b.data[i])))
            ref = max(ref, abs(Double(b.data[i])))
        }
        return diff / max(ref, 1e-30)
    }

    /// `predict` equals Keras within 1e-4 relative for every file form, and `inspect` lists every layer runnable.
    func testPredictMatchesKerasAndInspectRunsEveryLayer() throws {
        let all = try cases()
        XCTAssertEqual(all.count, 6)
        for c in all {
            let file = c["file"]!.stringValue!
            let model = try ModelLoader.load(path(file), arch: nil)
            let x = try NPY.read(path(c["input"]!.stringValue!))
            let expected = try NPY.read(path(c["output"]!.stringValue!))
            var context = ForwardContext()
            let y = try XCTUnwrap(try model.graph.forward([x], context: &context).values[model.graph.outputNodes[0]], file)
            XCTAssertEqual(y.shape, expected.shape, file)
            XCTAssertLessThanOrEqual(Self.relativeError(y, expected), 1e-4, file)
            let report = try Inspect.run(path: path(file), arch: nil, weights: false, tree: false, expandNested: false)
            let layers = try XCTUnwrap(report.model?.layers, file)
            XCTAssertTrue(layers.allSatisfy(\.runnable), "\(file): \(layers.filter { !$0.runnable }.map(\.name))")
            XCTAssertTrue(layers.contains { $0.className == "MultiHeadAttention" }, file)
        }
    }

    /// Gradient saliency on the ViT: d(class score)/d(pixel) through attention, layer normalization and
    /// the patchify convolution, against central differences of the same pre-softmax score (checked on
    /// 60 pixels), and the `saliency` command maps it.
    func testViTSaliencyMatchesFiniteDifferences() throws {
        for file in ["vit.keras", "vit.tfkeras.h5"] {
            let model = try ModelLoader.load(path(file), arch: nil)
            let logits = try model.graph.logitGraph()
            let x = try NPY.read(path("vit.in0.npy")).item(0)                  // (1, 16, 16, 3)
            let out = logits.outputNodes[0], c = 2
            func score(_ image: Tensor) throws -> Double {
                var ctx = ForwardContext()
                return Double(try logits.forward([image], context: &ctx).values[out]!.data[c])
            }
            var ctx = ForwardContext()
            let pass = try logits.forward([x], targets: [out], record: true, context: &ctx)
            var seed = Tensor(zeros: pass.value(out)!.shape)
            seed.data[c] = 1
            let g = try logits.backward(seeds: [out: seed], pass: pass, rule: .gradient).inputGradients[0]
            XCTAssertEqual(g.shape, x.shape)
            var random = SeededRandom(seed: 11)
            var worst = 0.0
            for _ in 0..<60 {
                let i = Int(random.uniform() * Float(x.count)) % x.count
                let h: Float = 1e-2
                var plus = x, minus = x
                plus.data[i] += h
                minus.data[i] -= h
                let numeric = (try score(plus) - score(minus)) / Double(plus.data[i] - minus.data[i])
                let err = abs(numeric - Double(g.data[i])) / max(1e-2, abs(numeric))
                worst = max(worst, err)
                XCTAssertLessThanOrEqual(err, 2e-2, "\(file): pixel \(i): analytic \(g.data[i]), numeric \(numeric)")
            }
            print(String(format: "vit saliency (%@): worst relative error against finite differences %.1e", file, worst))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-vit-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one.npy").path
        try NPY.write(try NPY.read(path("vit.in0.npy")).item(0), to: one)
        let r = try Saliency.run(model: try ModelLoader.load(path("vit.keras"), arch: nil), input: one, options: ImageOptions(),
                                 classIndex: nil, method: .gradient, layer: nil, overlay: false,
                                 out: dir.appendingPathComponent("s.png").path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: r.npy))
    }
}
