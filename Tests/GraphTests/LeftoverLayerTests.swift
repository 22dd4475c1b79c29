import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// Issue 15's last layers (Fixtures/layers15): channels_first `Resizing`, `CenterCrop` and `SpatialDropout2D`
/// (Keras 3), Keras 2 files of the Theano backend whose flipped kernels are converted on read, and Keras masks
/// (Embedding(mask_zero)/Masking) into Attention, AdditiveAttention and MultiHeadAttention, and their attention
/// weights as second outputs (`return_attention_scores=True`), masks into TimeDistributed's layer, and
/// MultiHeadAttention's `use_gate` — each model's
/// output against Keras', the backward by finite differences, the kernel layout reported.
final class LeftoverLayerTests: XCTestCase {
    private static let fixtures = Repository.root.appendingPathComponent("Fixtures/layers15")

    private func cases() throws -> [(file: String, backend: String, model: KerasModelFile, input: Tensor, output: Tensor, integer: Bool)] {
        let root = Self.fixtures
        let list = try XCTUnwrap(try JSONParser().parse(String(contentsOf: root.appendingPathComponent("cases.json"), encoding: .utf8)).arrayValue)
        return try list.map { c in
            let file = c["file"]!.stringValue!
            return (file, c["backend"]!.stringValue!, try KerasFile.open(root.appendingPathComponent(file).path),
                    try NPY.read(root.appendingPathComponent(c["input"]!.stringValue!).path),
                    try NPY.read(root.appendingPathComponent(c["output"]!.stringValue!).path), c["integer_input"]?.boolValue ?? false)
        }
    }

    func testEveryModelMatchesKerasAndItsGradientsFiniteDifferences() throws {
        let all = try cases()
        XCTAssertEqual(all.map(\.file), ["chfirst_preproc.keras3.h5", "theano_conv2d.keras2.h5", "theano_conv1d.keras2.h5",
                                          "mask_attention.keras3.h5", "mask_additive.keras3.h5", "mask_mha.keras3.h5",
                                          "scores_attention.keras3.h5", "mask_timedistributed.keras3.h5", "gate_mha.keras3.h5", "gate_mha.keras"])
        for c in all {
            let graph = try XCTUnwrap(c.model.model?.graph, c.file)
            // Keras 3 saves the ops it ran building masks (NotEqual, ConvertToTensor, LogicalOr) as dangling layers: listed, never on an output's path
            XCTAssertEqual(ModelSummary(c.model.model!).layers.filter { !$0.runnable && !["NotEqual", "ConvertToTensor", "LogicalOr"].contains($0.className) }.map(\.name), [], c.file)
            var ctx = ForwardContext()
            let y = try XCTUnwrap(try graph.forward([c.input], context: &ctx).values[graph.outputNodes[0]], c.file)
            XCTAssertEqual(y.shape, c.output.shape, c.file)
            XCTAssertLessThanOrEqual(LayerTests.relativeError(y, c.output), 1e-4, c.file)
            let first = Tensor(shape: [1] + Array(c.input.shape.dropFirst()), data: Array(c.input.data.prefix(c.input.count / c.input.batch)))
            // token ids are not moved; a Masking input only in its kept (nonzero) frames
            let r = try GraphGradientCheck.run(graph, inputs: [first], seed: LayerTests.stableSeed(c.file), what: c.file) { _, i, x in
                let f = x.shape.last!
                return !c.integer && i % 7 == 0 && (i / f * f..<(i / f + 1) * f).contains { x.data[$0] != 0 }
            }
            XCTAssertGreaterThan(r.checked, 30, c.file)
        }
    }

    /// The channels-first preprocessing layers run as channels-first layers (their maps are (C, H, W)).
    func testChannelsFirstPreprocessingLayersRunChannelsFirst() throws {
        let c = try XCTUnwrap(try cases().first { $0.file.hasPrefix("chfirst_preproc") })
        let graph = try XCTUnwrap(c.model.model?.graph)
        for name in ["resize", "crop", "sdrop", "resize_nearest"] {
            let layer = try XCTUnwrap(graph.layers.first { $0.name == name }, name)
            XCTAssertTrue(layer is ChannelsFirstLayer, name)
        }
        XCTAssertEqual(graph.node(named: "crop")?.outputShape, [3, 8, 6])
        XCTAssertEqual(graph.node(named: "resize_nearest")?.outputShape, [5, 5, 3])
    }

    /// Masks decide the numbers: with the padding's mask dropped, each masked model computes something else; the
    /// query's mask leaves the attention layers.
    func testAttentionAppliesTheMasksItIsGiven() throws {
        for c in try cases() where c.file.hasPrefix("mask_") {
            let graph = try XCTUnwrap(c.model.model?.graph, c.file)
            var ctx = ForwardContext()
            let pass = try graph.forward([c.input], context: &ctx)
            for node in graph.nodes where node.layer.className.contains("Attention") && !node.name.contains("#") {
                XCTAssertEqual(pass.masks[node.id]?.shape, [2, c.input.shape[1]], "\(c.file) \(node.name)")
            }
            // the same inputs without padding zeros (a different token / frame) change the output
            var unpadded = c.input
            for i in 0..<unpadded.count where unpadded.data[i] == 0 { unpadded.data[i] = 1 }
            let y = try XCTUnwrap(try graph.forward([unpadded], context: &ctx).values[graph.outputNodes[0]])
            XCTAssertGreaterThan(LayerTests.relativeError(y, c.output), 1e-3, c.file)
        }
    }

    /// A gated MultiHeadAttention is written back in the Keras 3 forms (same output) and refused for tf-keras.
    func testGatedAttentionWritesBackOnlyForKeras3() throws {
        let c = try XCTUnwrap(try cases().first { $0.file == "gate_mha.keras" })
        let writer = try KerasWriter(file: c.model)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-gate-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for format in [KerasExportFormat.keras3H5, .keras] {
            let out = dir.appendingPathComponent("g.\(format.rawValue)").path + (format == .keras ? ".keras" : ".h5")
            try writer.write(format, to: out)
            let graph = try XCTUnwrap(try KerasFile.open(out).model?.graph)
            var ctx = ForwardContext()
            let y = try XCTUnwrap(try graph.forward([c.input], context: &ctx).values[graph.outputNodes[0]])
            XCTAssertLessThanOrEqual(LayerTests.relativeError(y, c.output), 1e-4, "\(format)")
        }
        let out = dir.appendingPathComponent("g.tfkeras.h5").path
        XCTAssertThrowsError(try writer.write(.tfkerasH5, to: out)) { XCTAssertTrue("\($0)".contains("use_gate"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A Keras 2 Theano file: generation Keras 2, kernels read as flipped, and `inspect`'s notes say so.
    func testKeras2TheanoKernelsAreConvertedAndReported() throws {
        for c in try cases() where c.backend == "theano" {
            XCTAssertEqual(c.model.generation, .keras2, c.file)
            XCTAssertEqual(c.model.backend, "theano", c.file)
            XCTAssertEqual(c.model.kernelOrientation, .theanoKeras2, c.file)
            XCTAssertTrue(c.model.notes.contains { $0.contains("spatially flipped") || $0.contains("flipped") }, "\(c.file): \(c.model.notes)")
        }
    }
}
