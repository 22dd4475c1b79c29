import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// Layers with several outputs and initial states (MultiOutput.swift): the models of Fixtures/sequences
/// (Fixtures/py/sequences.py), saved by Keras 3 and tf-keras — `return_state`, Bidirectional with
/// `merge_mode=None` and with states, seq2seq with `initial_state`, go_backwards + unroll, stateful, and
/// tf.keras CuDNNLSTM / CuDNNGRU files (their weights in the CuDNN layout), and Keras 3 functional models
/// with masks, whose configs hold the mask ops (`NotEqual` …) that the graph leaves unrun.
final class SequenceTests: XCTestCase {
    private static let root = Repository.root.appendingPathComponent("Fixtures/sequences")

    private func cases() throws -> [(file: String, model: KerasModel, inputs: [Tensor], outputs: [Tensor])] {
        let list = try XCTUnwrap(try JSONParser().parse(String(contentsOf: Self.root.appendingPathComponent("cases.json"), encoding: .utf8)).arrayValue)
        func read(_ v: JSON) throws -> Tensor { try NPY.read(Self.root.appendingPathComponent(v.stringValue!).path) }
        return try list.map { c in
            let file = c["file"]!.stringValue!
            let model = try XCTUnwrap(try KerasFile.open(Self.root.appendingPathComponent(file).path).model, file)
            return (file, model, try c["inputs"]!.arrayValue!.map(read), try c["outputs"]!.arrayValue!.map(read))
        }
    }

    /// Every model output, in Keras' order, within 1e-4 of Keras'.
    func testEveryOutputMatchesKeras() throws {
        let all = try cases()
        XCTAssertEqual(all.count, 23)                                          // 9 Keras 3, 9 tf-keras, 3 CuDNN, 2 .keras with mask ops
        for (file, model, inputs, expected) in all {
            let graph = model.graph
            XCTAssertEqual(graph.outputNodes.count, expected.count, "\(file): model outputs")
            var ctx = ForwardContext()
            let pass = try graph.forward(inputs, context: &ctx)
            for (k, id) in graph.outputNodes.enumerated() where k < expected.count {
                let y = try XCTUnwrap(pass.values[id], "\(file) output \(k)")
                XCTAssertEqual(y.shape, expected[k].shape, "\(file) output \(k) (\(graph.nodes[id].name))")
                guard y.shape == expected[k].shape else { continue }
                XCTAssertLessThanOrEqual(LayerTests.relativeError(y, expected[k]), 1e-4, "\(file) output \(k) (\(graph.nodes[id].name))")
            }
        }
    }

    /// A layer's outputs after the first are nodes `<layer>#k`; a stateful layer is run from zeros and says so.
    func testOutputNodesAndRemarks() throws {
        let byFile = Dictionary(uniqueKeysWithValues: try cases().map { ($0.file, $0.model) })
        let lstm = try XCTUnwrap(byFile["lstm_return_state.h5"])
        XCTAssertEqual(lstm.graph.outputNodes.map { lstm.graph.nodes[$0].name }, ["lstm", "lstm#1", "lstm#2"])
        XCTAssertEqual(try lstm.graph.resolve("lstm#2").outputShape, [4])
        let bi = try XCTUnwrap(byFile["bidirectional_state.tfkeras.h5"])
        XCTAssertEqual(bi.graph.outputNodes.map { bi.graph.nodes[$0].name }, ["bi", "bi#1", "bi#2", "bi#3", "bi#4"])
        // inspect's row lists every output's shape, as Keras' summary does
        let encoder = try XCTUnwrap(ModelSummary(try XCTUnwrap(byFile["seq2seq.h5"])).layers.first { $0.name == "encoder" })
        XCTAssertEqual(encoder.outputShapes, [[4], [4], [4]])
        let stateful = try XCTUnwrap(byFile["stateful_lstm.h5"])
        XCTAssertTrue(stateful.notes.contains { $0.contains("'lstm'") && $0.contains("zero state") }, "\(stateful.notes)")
    }

    /// Backward through every output, the states and the initial states (the seq2seq encoder gets the
    /// decoder's gradient through them) against central differences: all weights and all inputs.
    func testGradientsThroughStatesMatchFiniteDifferences() throws {
        var checked = 0, worst = 0.0
        for (file, model, inputs, _) in try cases() where !file.contains("tfkeras") || file.hasPrefix("cudnn") {
            let r = try GraphGradientCheck.run(model.graph, inputs: inputs, seed: LayerTests.stableSeed(file), what: file) { _, i, x in
                // not an Embedding's indices, nor a padded (all-zero) step, which moving would unmask
                let f = x.shape.last!
                return !x.data.allSatisfy { $0 == $0.rounded() } && (i / f * f..<(i / f + 1) * f).contains { x.data[$0] != 0 }
            }
            checked += r.checked
            worst = max(worst, r.worst)
        }
        print(String(format: "sequence gradient-check: %d derivatives, worst relative error %.1e", checked, worst))
        XCTAssertGreaterThan(checked, 1000)
    }
}

extension SequenceTests {
    /// A CuDNN model written back: tf-keras h5 reopens with the same output; Keras 3 forms are refused in one
    /// line (Keras 3 has no CuDNN kinds), nothing written.
    func testCuDNNModelsWriteBackOnlyForTFKeras() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-cudnn-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = Repository.root.appendingPathComponent("Fixtures/sequences")
        let x = try NPY.read(root.appendingPathComponent("cudnn_bidirectional_gru.in0.npy").path)
        let expected = try NPY.read(root.appendingPathComponent("cudnn_bidirectional_gru.tfkeras.out0.npy").path)
        let writer = try KerasWriter(file: try KerasFile.open(root.appendingPathComponent("cudnn_bidirectional_gru.tfkeras.h5").path))
        let out = dir.appendingPathComponent("back.h5").path
        try writer.write(.tfkerasH5, to: out)
        let graph = try XCTUnwrap(try KerasFile.open(out).model?.graph)
        var ctx = ForwardContext()
        XCTAssertLessThanOrEqual(LayerTests.relativeError(try XCTUnwrap(graph.forward([x], context: &ctx).values[graph.outputNodes[0]]), expected), 1e-4)
        for format in [KerasExportFormat.keras3H5, .keras] {
            let refused = dir.appendingPathComponent("k3.\(format.rawValue)").path
            XCTAssertThrowsError(try writer.write(format, to: refused)) {
                XCTAssertTrue("\($0)".contains("'bi'") && "\($0)".contains("Keras 3"), "\($0)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: refused))
        }
    }
}
