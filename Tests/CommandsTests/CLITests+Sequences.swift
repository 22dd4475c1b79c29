import Foundation
import Graph
import Imaging
import TestSupport
import XCTest

/// Layers with several outputs through the commands (issue 15, sequence slice): `predict` reports every
/// model output, `activations --layer` writes every output of the layer, on Fixtures/sequences models.
extension CLITests {
    private func sequence(_ name: String) -> String {
        Repository.root.appendingPathComponent("Fixtures/sequences").appendingPathComponent(name).path
    }

    func testPredictAndActivationsOnMultiOutputLayers() throws {
        let dir = try temporaryFolder()
        let predicted = try assertSchema("predict", ["predict", sequence("lstm_return_state.h5"), sequence("lstm_return_state.in0.npy"), "--json"])
        let outputs = try XCTUnwrap(predicted["items"]?.arrayValue?.first?["outputs"]?.arrayValue, "\(predicted.serialized())")
        XCTAssertEqual(outputs.compactMap { $0["name"]?.stringValue }, ["lstm", "lstm#1", "lstm#2"])
        let report = try assertSchema("activations", ["activations", sequence("bidirectional_none.h5"), sequence("bidirectional_none.in0.npy"),
                                                      "--layer", "bi", "--out", dir.path, "--json"])
        XCTAssertEqual(report["shape"]?.arrayValue?.compactMap(\.intValue), [2, 6, 3])
        let further = try XCTUnwrap(report["outputs"]?.arrayValue)
        XCTAssertEqual(further.compactMap { $0["layer"]?.stringValue }, ["bi#1"])
        // output 1 of `bi` is model output 1 as Keras computed it
        let expected = try NPY.read(sequence("bidirectional_none.out1.npy"))
        XCTAssertLessThan(Fixture.relativeError(try NPY.read(try XCTUnwrap(further[0]["npy"]?.stringValue)), expected), 1e-4)
    }
}
