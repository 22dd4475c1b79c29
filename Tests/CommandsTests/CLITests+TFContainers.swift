import Foundation
import Graph
import TestSupport
import XCTest

/// The binary on tf.keras SavedModel directories and TensorFlow checkpoints (Fixtures/tfcontainers).
extension CLITests {
    var tfc: URL { fixtures.appendingPathComponent("tfcontainers") }

    func testInspectJSONFollowsSchemaForTensorFlowContainers() throws {
        for f in ["tiny.savedmodel", "multi.savedmodel/saved_model.pb", "nested.savedmodel", "compiled.savedmodel", "legacy24.savedmodel",
                  "subclassed.savedmodel", "graphonly.savedmodel", "keras3export.savedmodel",
                  "tiny.ckpt", "compiled.ckpt/ckpt", "sharded.ckpt/ckpt.index"] {
            let j = try assertSchema("inspect", ["inspect", tfc.appendingPathComponent(f).path, "--weights"])
            XCTAssertNotNil(j["tensorflow"]?["variables"]?.arrayValue?.first, f)
        }
        let j = try assertSchema("inspect", ["inspect", tfc.appendingPathComponent("compiled.savedmodel").path])
        XCTAssertEqual(j["file"]?["generation"], "tfkeras-savedmodel")
        XCTAssertEqual(j["file"]?["optimizer_state"], .bool(true))
        XCTAssertEqual(j["tensorflow"]?["tensorflow_version"], "2.21.0")
        XCTAssertEqual(j["file"]?["keras_version"], "2.21.0")
        let sig = j["tensorflow"]?["signatures"]?.arrayValue?.first
        XCTAssertEqual(sig?["name"], "serving_default")
        XCTAssertEqual(sig?["inputs"]?.arrayValue?.first?["shape"], [-1, 16, 16, 3])
    }

    func testTensorFlowContainersPredictAndRefuseInOneLine() throws {
        let x = tfc.appendingPathComponent("tiny.in0.npy").path
        let ok = try convscope(["predict", tfc.appendingPathComponent("tiny.savedmodel").path, x])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        for (dir, words) in [("subclassed.savedmodel", "subclassed model class 'TinySubclassed'"),
                             ("graphonly.savedmodel", "graph-only SavedModel written by tf.saved_model.save"),
                             ("keras3export.savedmodel", "graph-only SavedModel not a Keras model")] {
            let r = try convscope(["predict", tfc.appendingPathComponent(dir).path, x])
            XCTAssertEqual(r.status, 2, dir)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(dir): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(words), "\(dir): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", dir)
        }
        let bad = tfc.appendingPathComponent("bad")
        for name in ["negative_dim", "overflow_dim", "unknown_dtype", "variant_dtype", "size_mismatch", "beyond_data", "crc_mismatch",
                     "missing_shard", "index_block_crc", "bad_magic", "malformed_metadata.savedmodel"] {
            let r = try convscope(["inspect", bad.appendingPathComponent(name).path, "--weights"])
            XCTAssertEqual(r.status, 2, name)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(name), "\(name): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", name)
        }
    }
}
