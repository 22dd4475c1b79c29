import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// Keras masks through the graph (Mask.swift): the `mask_*` models of Fixtures/layers (Embedding with
/// `mask_zero`, Masking; RNNs, Bidirectional, TimeDistributed, GlobalAveragePooling1D, Add, Concatenate),
/// whose outputs `LayerTests.testSavedLayerModelsMatchKeras` compares with Keras'. Here: where the masks
/// go, that padding cannot move an output, and the gradients through masked steps by finite differences.
final class MaskTests: XCTestCase {
    private static let fixtures = Repository.root.appendingPathComponent("Fixtures/layers")

    /// (file, inputs, Keras' output) of every mask case, both writers.
    private func maskCases() throws -> [(String, Graph, [Tensor], Tensor)] {
        let root = Self.fixtures
        let cases = try XCTUnwrap(try JSONParser().parse(String(contentsOf: root.appendingPathComponent("cases.json"), encoding: .utf8)).arrayValue)
        return try cases.filter { $0["case"]?.stringValue?.hasPrefix("mask_") ?? false }.map { c in
            let file = c["file"]!.stringValue!
            let graph = try XCTUnwrap(try KerasFile.open(root.appendingPathComponent(file).path).model?.graph, file)
            let inputs = try c["inputs"]!.arrayValue!.map { try NPY.read(root.appendingPathComponent($0.stringValue!).path) }
            return (file, graph, inputs, try NPY.read(root.appendingPathComponent(c["output"]!.stringValue!).path))
        }
    }

    func testEveryMaskCaseMatchesKerasInBothWriters() throws {
        let cases = try maskCases()
        XCTAssertEqual(cases.count, 14)                                        // 6 Keras 3 + 8 tf-keras
        for (file, graph, inputs, expected) in cases {
            var ctx = ForwardContext()
            let y = try XCTUnwrap(try graph.forward(inputs, context: &ctx).values[graph.outputNodes[0]], file)
            XCTAssertEqual(y.shape, expected.shape, file)
            XCTAssertLessThanOrEqual(LayerTests.relativeError(y, expected), 1e-4, file)
        }
    }

    /// The masks Keras would attach: Embedding's marks index 0, a return_sequences RNN keeps it, a
    /// last-step RNN and GlobalAveragePooling1D end it, Dense passes it on.
    func testMasksGoWhereKerasSendsThem() throws {
        for (file, graph, inputs, _) in try maskCases() where file == "mask_embedding_gru_gap.h5" || file == "mask_masking_dense_lstm.h5" {
            var ctx = ForwardContext()
            let pass = try graph.forward(inputs, targets: graph.nodes.map(\.id), context: &ctx)
            for node in graph.nodes {
                let mask = pass.masks[node.id]
                switch node.layer.className {
                case "Dense" where pass.masks[node.inputs[0]] == nil:
                    XCTAssertNil(mask, "\(file): \(node.name) after the mask ended")
                case "Embedding", "Masking", "TimeDistributed", "Dense":
                    let m = try XCTUnwrap(mask, "\(file): \(node.name) has no mask")
                    XCTAssertEqual(m.shape, [2, inputs[0].shape[1]], "\(file): \(node.name)")
                    // sample 0 is padded at its last 3 steps, sample 1 at steps 0, 1 and 4 (Fixtures/py/layers.py)
                    let t = m.shape[1]
                    XCTAssertEqual(m.data[0..<t].map { Int($0) }, (0..<t).map { $0 >= t - 3 ? 0 : 1 }, "\(file): \(node.name)")
                    XCTAssertEqual(m.data[t...].map { Int($0) }, (0..<t).map { [0, 1, 4].contains($0) ? 0 : 1 }, "\(file): \(node.name)")
                case "GRU", "LSTM":
                    XCTAssertEqual(mask != nil, (node.layer as? any RecurrentKind)?.returnsSequences, "\(file): \(node.name)")
                default:
                    XCTAssertNil(mask, "\(file): \(node.name) (\(node.layer.className)) should carry no mask")
                }
            }
        }
    }

    /// Padded steps are skipped: the embedding of index 0 cannot reach the output of a model whose
    /// Embedding has `mask_zero`.
    func testPaddingCannotMoveTheOutput() throws {
        var checked = 0
        for (file, graph, inputs, expected) in try maskCases() {
            guard let embedding = graph.layers.first(where: { $0.className == "Embedding" }) else { continue }
            let saved = embedding.weights[0].value
            defer { embedding.weights[0].value = saved }
            let width = saved.shape[1]
            for j in 0..<width { embedding.weights[0].value.data[j] = 7 + Float(j) }  // row 0: far from the others
            var ctx = ForwardContext()
            let y = try XCTUnwrap(try graph.forward(inputs, context: &ctx).values[graph.outputNodes[0]])
            XCTAssertLessThanOrEqual(LayerTests.relativeError(y, expected), 1e-4, "\(file): padding moved the output")
            checked += 1
        }
        XCTAssertEqual(checked, 7)                                             // 3 Keras 3 + 4 tf-keras
    }

    /// Backward through masked steps (saliency and training): every weight of every layer, and every
    /// kept input value of the Masking models, against central differences of J = Σ output ⊙ R (in
    /// Double, from the float32 forward; tolerance and step as `GradientCheck`'s).
    func testGradientsThroughMasksMatchFiniteDifferences() throws {
        var checked = 0, worst = 0.0
        for (file, graph, inputs, _) in try maskCases() {
            let masking = graph.layers.contains { $0.className == "Masking" }
            let r = try GraphGradientCheck.run(graph, inputs: inputs, seed: LayerTests.stableSeed(file), what: file) { _, i, x in
                // kept steps only: moving a padded step's zero would unmask it
                let f = x.shape.last!
                return masking && (i / f * f..<(i / f + 1) * f).contains { x.data[$0] != 0 }
            }
            checked += r.checked
            worst = max(worst, r.worst)
        }
        print(String(format: "mask gradient-check: %d derivatives, worst relative error %.1e", checked, worst))
        XCTAssertGreaterThan(checked, 1000)
    }
}
