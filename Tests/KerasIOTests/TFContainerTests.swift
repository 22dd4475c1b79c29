import Foundation
import Graph
import KerasIO
import Tensor
import TensorBundle
import TestSupport
import XCTest

/// tf.keras SavedModel directories and TensorFlow checkpoints (Fixtures/tfcontainers, written by tf-keras 2.21;
/// expected outputs from `tf_keras.models.load_model(dir)`).
final class TFContainerTests: XCTestCase {
    func path(_ p: String) -> String { Fixture.path("tfcontainers/" + p) }

    func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected.json")))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func outputs(_ graph: Graph, _ name: String, inputs: Int, outputs: Int) throws -> [(Tensor, Tensor)] {
        let xs = try (0..<inputs).map { try Fixture.npy("tfcontainers/\(name).in\($0).npy") }
        var ctx = ForwardContext()
        let pass = try graph.forward(xs, context: &ctx)
        return try (0..<outputs).map { (pass.values[graph.outputNodes[$0]]!, try Fixture.npy("tfcontainers/\(name).out\($0).npy")) }
    }

    // MARK: Checksums and tables

    func testCRC32CCheckValueBothPaths() {
        let s = Array("123456789".utf8)
        XCTAssertEqual(CRC32C.checksum(s), 0xE306_9283)
        XCTAssertEqual(CRC32C.tableChecksum(s), 0xE306_9283)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        XCTAssertEqual(CRC32C.checksum(long), CRC32C.tableChecksum(long))
        XCTAssertEqual(CRC32C.checksum(Array(long[500...]), continuing: CRC32C.checksum(Array(long[..<500]))), CRC32C.checksum(long))
        for c: UInt32 in [0, 1, 0xFFFF_FFFF, 0x1234_5678] { XCTAssertEqual(CRC32C.unmask(CRC32C.mask(c)), c) }
        XCTAssertEqual(CRC32C.mask(0), 0xA282_EAD8)
    }

    func testCheckpointListsEveryVariableAsTensorFlow() throws {
        let models = try expected()["models"] as! [String: [String: Any]]
        for name in ["tiny", "multi", "nested", "rnn", "birnn", "compiled"] {
            for form in ["\(name).ckpt/ckpt", "\(name).ckpt/ckpt.index", "\(name).ckpt"] {
                let f = try KerasFile.open(path(form), loadValues: false)
                XCTAssertEqual(f.generation, .tfCheckpoint, form)
                XCTAssertFalse(f.isFullModel, form)
                let keys = f.tensorflow!.variables.map(\.key).sorted()
                XCTAssertEqual(keys, (models[name]!["variables"] as! [String]).sorted(), form)
            }
        }
        let f = try KerasFile.open(path("compiled.ckpt"), loadValues: false)
        XCTAssertTrue(f.hasOptimizerState)
        let opt = f.tensorflow!.variables.filter { $0.group == "optimizer" }.map(\.key).sorted()
        XCTAssertEqual(opt, (models["compiled"]!["optimizer_variables"] as! [String]).sorted())
        XCTAssertEqual(f.storedWeights.weights.count, models["compiled"]!["weights"] as? Int)
        XCTAssertEqual(f.storedWeights.weights.first?.name, "conv1/kernel")
    }

    // MARK: SavedModel directories

    func testSavedModelsPredictAsTFKeras() throws {
        for (name, dir, ins, outs) in [("tiny", "tiny.savedmodel", 1, 1), ("multi", "multi.savedmodel", 2, 2),
                                       ("nested", "nested.savedmodel", 1, 1), ("compiled", "compiled.savedmodel", 1, 1),
                                       ("legacy24", "legacy24.savedmodel", 2, 2), ("tiny", "tiny.savedmodel/saved_model.pb", 1, 1),
                                       ("rnn", "rnn.savedmodel", 1, 1), ("birnn", "birnn.savedmodel", 1, 1)] {
            let f = try KerasFile.open(path(dir))
            XCTAssertEqual(f.generation, .tfkerasSavedModel, dir)
            XCTAssertEqual(f.kerasVersion, "2.21.0", dir)
            XCTAssertEqual(f.tensorflow?.tensorflowVersion, "2.21.0", dir)
            XCTAssertEqual(f.tensorflow?.metadataSource, name == "legacy24" ? "saved_model.pb" : "keras_metadata.pb", dir)
            let model = try XCTUnwrap(f.model, dir)
            for (got, want) in try outputs(model.graph, name, inputs: ins, outputs: outs) {
                XCTAssertEqual(got.shape, want.shape, dir)
                XCTAssertLessThan(Fixture.relativeError(got, want), 1e-4, dir)
            }
            let sig = try XCTUnwrap(f.tensorflow?.signatures.first { $0.name == "serving_default" }, dir)
            XCTAssertEqual(sig.inputs.count, ins, dir)
            XCTAssertEqual(sig.outputs.count, outs, dir)
            XCTAssertEqual(sig.inputs.first?.shape?.first, -1, dir)
        }
        let compiled = try KerasFile.open(path("compiled.savedmodel"), loadValues: false)
        XCTAssertTrue(compiled.hasOptimizerState)
        XCTAssertEqual(compiled.training?.optimizer, "Adam")
        XCTAssertFalse(try KerasFile.open(path("tiny.savedmodel"), loadValues: false).hasOptimizerState)
    }

    func testCheckpointOntoAnArchitecture() throws {
        // The architecture from an h5 file read without its values; the checkpoint's weights put on through the
        // object graph (nested models, shared layers) must give tf-keras' outputs.
        for (name, ckpt, ins, outs) in [("tiny", "tiny.ckpt", 1, 1), ("multi", "multi.ckpt/ckpt", 2, 2),
                                        ("nested", "nested.ckpt/ckpt.index", 1, 1), ("tiny", "sharded.ckpt", 1, 1),
                                        ("rnn", "rnn.ckpt", 1, 1), ("birnn", "birnn.ckpt", 1, 1)] {
            let model = try XCTUnwrap(KerasFile.open(path("\(name).tfkeras.h5"), loadValues: false).model)
            let a = try KerasFile.attach(weightsFile: path(ckpt), to: model)
            XCTAssertEqual(a.unusedStored, [], ckpt)
            XCTAssertEqual(a.missing, [], ckpt)
            for (got, want) in try outputs(model.graph, name, inputs: ins, outputs: outs) {
                XCTAssertLessThan(Fixture.relativeError(got, want), 1e-4, ckpt)
            }
        }
    }

    func testCheckpointOfAnotherArchitectureIsRefused() throws {
        let model = try XCTUnwrap(KerasFile.open(path("multi.tfkeras.h5"), loadValues: false).model)
        XCTAssertThrowsError(try KerasFile.attach(weightsFile: path("tiny.ckpt"), to: model)) { e in
            XCTAssertEqual((e as? KerasIOError)?.kind, .architectureMismatch, "\(e)")
            XCTAssertTrue("\(e)".contains("tracks 7 layers but the architecture has 8"), "\(e)")
        }
    }

    func testShardedAndSlicedCheckpoint() throws {
        let shards = (try expected()["sharded"] as! [String: Any])["data_files"] as! [String]
        XCTAssertGreaterThan(shards.count, 1)
        let b = try TensorBundle(prefix: path("sharded.ckpt/ckpt"))
        XCTAssertEqual(b.shardCount, shards.count)
        XCTAssertTrue(b.entries.contains { !$0.slices.isEmpty }, "a tensor over the shard size is sliced")
        let whole = try TensorBundle(prefix: path("tiny.ckpt/ckpt"))
        for e in b.entries where !e.slices.isEmpty {
            XCTAssertEqual(try b.floats(e.key), try whole.floats(e.key), e.key)
        }
    }

    func testGraphOnlyAndSubclassedAreListedNotRun() throws {
        for dir in ["graphonly.savedmodel", "keras3export.savedmodel"] {
            let f = try KerasFile.open(path(dir), loadValues: false)
            XCTAssertNil(f.model, dir)
            XCTAssertTrue(f.unrunnable?.contains("graph-only SavedModel") == true, dir)
            XCTAssertFalse(f.tensorflow!.signatures.isEmpty, dir)
            XCTAssertFalse(f.tensorflow!.variables.isEmpty, dir)
        }
        let sub = try KerasFile.open(path("subclassed.savedmodel"), loadValues: false)
        XCTAssertNil(sub.model)
        XCTAssertTrue(sub.unrunnable?.contains("'TinySubclassed'") == true, sub.unrunnable ?? "")
        XCTAssertEqual(Set(sub.storedWeights.weights.map(\.name)),
                       ["tiny_subclassed/conv2d/kernel", "tiny_subclassed/conv2d/bias", "tiny_subclassed/dense/kernel", "tiny_subclassed/dense/bias"])
    }

    // MARK: Refusals (docs/tf-containers.md section 5)

    func testRefusalsNameFileAndProblem() throws {
        XCTAssertEqual(try TensorBundle(prefix: path("bad/good")).floats("w/.ATTRIBUTES/VARIABLE_VALUE"), [0, 1, 2, 3, 4, 5])
        let cases: [(String, String)] = [
            ("negative_dim", "negative dimension -5"), ("overflow_dim", "more than"), ("unknown_dtype", "unknown or unsupported dtype 99"),
            ("variant_dtype", "(variant)"), ("size_mismatch", "stored size 24"), ("beyond_data", "beyond the file's 24 bytes"),
            ("crc_mismatch", "checksum does not match"), ("missing_shard", "missing data shard"),
            ("index_block_crc", "block checksum mismatch"), ("bad_magic", "bad magic number"),
        ]
        for (name, words) in cases {
            let p = path("bad/\(name)")
            XCTAssertThrowsError(try { let b = try TensorBundle(prefix: p); for e in b.entries where e.dtype != .string { _ = try b.floats(e) } }(), name) { e in
                let line = "\(e)"
                XCTAssertTrue(line.contains(words), "\(name): \(line)")
                XCTAssertTrue(line.contains("bad/\(name)."), "\(name) names the file: \(line)")
                XCTAssertFalse(line.contains("\n"), name)
                XCTAssertEqual((e as? TensorBundleError)?.exitCode, 2, name)
            }
        }
        XCTAssertThrowsError(try KerasFile.open(path("bad/malformed_metadata.savedmodel"))) { e in
            XCTAssertTrue("\(e)".contains("keras_metadata.pb: root object metadata: malformed JSON"), "\(e)")
        }
    }

    func testSliceKeyDecoding() {
        // 00 | "a" 00 01 | rank 01 02 | start 0 (0x80) length 100 (0xC0 0x64) | start 5 (0x85) length −1 (0x7F)
        let k: [UInt8] = [0, 0x61, 0, 1, 1, 2, 0x80, 0xC0, 0x64, 0x85, 0x7F]
        XCTAssertEqual(SliceKey(k), SliceKey(name: "a", extents: [.init(start: 0, length: 100), .init(start: 5, length: -1)]))
        XCTAssertNil(SliceKey([0, 0x61, 0, 1, 1]))
        XCTAssertNil(SliceKey([1, 2, 3]))
    }
}
