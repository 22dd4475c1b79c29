import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import TestSupport
import XCTest

/// Sharded and half-precision exports, loaded by the pinned Keras (Tests/keras_load_check.py).
extension ExportTests {
    func testKerasLoadsShardedAndHalfPrecisionExports() throws {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the exported files in Keras; run scripts/test.sh (it sets CONVSCOPE_PYTHON to the pinned venv)")
            return
        }
        let dir = try tempDir()
        let k = { (n: String) in Fixture.path("keras2026/" + n) }
        let out = { (n: String) in dir.appendingPathComponent(n).path }
        var cases: [[String: Any]] = []
        // Sharded, small enough that d1 spans two shards, as Keras' own save_weights did.
        let r = try Export.run(path: k("shard.keras"), arch: nil, format: .format(.keras3ShardedWeights), out: out("s.weights.json"), maxShardBytes: 1290)
        XCTAssertEqual(r.written.shards?.count, 3)
        let written = try KerasFile.open(out("s.weights.json"))
        XCTAssertEqual(written.shards?.spanning, ["d1"])
        XCTAssertEqual(written.shards?.shards.map(\.dataBytes), try KerasFile.open(k("shard.weights.json")).shards?.shards.map(\.dataBytes))
        let outs = try Self.writeOutputs(try KerasFile.open(k("shard.keras")).model!, inputs: [k("shard.in0.npy")], prefix: out("shard"))
        cases.append(["file": out("s.weights.json"), "kind": "weights", "inputs": [k("shard.in0.npy")], "outputs": outs,
                      "architecture": ["keras3": k("shard.keras"), "tf_keras": k("shard.keras")], "require": ["keras3"]])
        // Half precision kept (and float32 on request) in every Keras 3 layout.
        for (name, format, dtype, bytes) in [("h.weights.json", KerasExportFormat.keras3ShardedWeights, ExportDtype.stored, 200),
                                            ("h.weights.h5", .keras3Weights, .stored, 0), ("h.keras", .keras, .stored, 0),
                                            ("h32.weights.h5", .keras3Weights, .float32, 0)] {
            _ = try Export.run(path: k("half.keras"), arch: nil, format: .format(format), out: out(name),
                               maxShardBytes: bytes > 0 ? bytes : nil, dtype: dtype)
            let dtypes = try KerasFile.open(out(name)).storedWeights.weights.map(\.dtype)
            XCTAssertEqual(dtypes, dtype == .stored ? ["bfloat16", "bfloat16", "float16", "float16", "float32", "float32"]
                                                    : Array(repeating: "float32", count: 6), name)
            var c: [String: Any] = ["file": out(name), "kind": format == .keras ? "model" : "weights", "inputs": [String](), "outputs": [String](),
                                    "same_weights_as": k("half.keras"), "require": ["keras3"]]
            if format != .keras { c["architecture"] = ["keras3": k("half.keras"), "tf_keras": k("half.keras")] }
            cases.append(c)
        }
        try Self.kerasLoadCheck(cases, python: python, dir: dir)
    }
}
