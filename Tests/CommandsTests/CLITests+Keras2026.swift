import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
import XCTest

/// The 2025–2026 Keras forms through the binary: schema-valid `inspect --json`, `--weights`/`--arch PATH`
/// on the running commands, exit 2 on every hostile variant.
extension CLITests {
    var k2026: URL { fixtures.appendingPathComponent("keras2026") }

    func testInspectJSONOfShardsAndHalfPrecisionFollowsSchema() throws {
        let j = try assertSchema("inspect", ["inspect", k2026.appendingPathComponent("shard.weights.json").path, "--weights"])
        XCTAssertEqual(j["shards"]?["shards"]?.arrayValue?.count, 3)
        XCTAssertEqual(j["stored_weights"]?.arrayValue?.first?["shard"]?.stringValue, "shard_00000.weights.h5")
        let h = try assertSchema("inspect", ["inspect", k2026.appendingPathComponent("half.keras").path, "--weights"])
        XCTAssertEqual(h["dtype_policies"]?.arrayValue?.map { $0["compute_dtype"]?.stringValue ?? "" }, ["bfloat16", "float16", "bfloat16"])
        XCTAssertEqual(h["stored_weights"]?.arrayValue?.first?["dtype"]?.stringValue, "bfloat16")
        try assertSchema("inspect", ["inspect", k2026.appendingPathComponent("shard.weights.json").path,
                                     "--arch", k2026.appendingPathComponent("k2.model.json").path])
        try assertSchema("inspect", ["inspect", k2026.appendingPathComponent("shard_dir").path])
    }

    func testWeightsOptionRunsTheModelAsKerasDoes() throws {
        let want = try NPY.read(k2026.appendingPathComponent("shard.out0.npy").path)
        for args in [["k2.model.json", "--weights", "shard.weights.json"], ["shard.weights.json", "--arch", "shard.config.json"]] {
            let j = try assertSchema("predict", ["predict"] + args.map { $0.hasPrefix("--") ? $0 : k2026.appendingPathComponent($0).path }
                                     + [k2026.appendingPathComponent("shard.in0.npy").path])
            let values = j["items"]!.arrayValue!.flatMap { $0["outputs"]!.arrayValue![0]["values"]!.arrayValue!.map { Float($0.doubleValue!) } }
            XCTAssertLessThan(Fixture.relativeError(Tensor(shape: want.shape, data: values), want), 1e-4, args.joined(separator: " "))
        }
    }

    func testHostileKeras2026FilesExitTwoWithOneLine() throws {
        for f in ["bad/traversal.weights.json", "bad/absolute.weights.json", "bad/twice.weights.json", "bad/missing.weights.json",
                  "bad/total.weights.json", "bad/swapped.weights.json", "bad/bf16-size.weights.h5", "bad/bomb.weights.npz", "shard.npz.keras"] {
            let r = try convscope(["inspect", k2026.appendingPathComponent(f).path])
            XCTAssertEqual(r.status, 2, f)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(f): \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, f)
        }
        let m = try convscope(["predict", k2026.appendingPathComponent("half.keras").path, "--weights", k2026.appendingPathComponent("shard.weights.json").path,
                               k2026.appendingPathComponent("shard.in0.npy").path])
        XCTAssertEqual(m.status, 2)
        XCTAssertTrue(m.stderr.contains("layer 'cb'"), m.stderr)
    }

    func testValidateLikeAcrossForms() throws {
        for other in ["k2.model.json", "shard.config.json", "shard.keras", "k2-weights.h5", "shard_dir", "shard.weights.h5"] {
            let r = try convscope(["validate", k2026.appendingPathComponent("shard.weights.json").path, "--like", k2026.appendingPathComponent(other).path])
            XCTAssertEqual(r.status, 0, "\(other): \(r.stdout) \(r.stderr)")
        }
        let r = try convscope(["validate", k2026.appendingPathComponent("shard.weights.json").path, "--like", k2026.appendingPathComponent("half.keras").path])
        XCTAssertEqual(r.status, 1, r.stdout)
    }
}
