import Foundation
import Graph
import TestSupport
import XCTest

/// `inspect`'s numbers (issue 20) through the binary: the `cost` object follows the schema, `--batch 8`
/// scales it as Fixtures/py/cost.py counts for eight samples, quantized layers show their bits and scales.
extension CLITests {
    func testInspectCostAtBatchEightMatchesTheKerasCount() throws {
        let expected = try Fixture.json("cost/expected.json")["models"]!
        for name in ["seq2seq", "conv1d_causal_dil2"] {
            let source = expected[name]!["source"]!.stringValue!
            let j = try assertSchema("inspect", ["inspect", fixtures.appendingPathComponent(source).path, "--batch", "8"])
            let cost = try XCTUnwrap(j["cost"], name), want = try XCTUnwrap(expected[name]?["totals"]?["8"])
            XCTAssertEqual(cost["batch"]?.intValue, 8)
            for key in ["macs", "other_ops", "activation_bytes", "peak_activation_bytes"] {
                XCTAssertEqual(cost[key]?.intValue, want[key]?.intValue, "\(name) \(key)")
            }
            let layers = try XCTUnwrap(cost["layers"]?.arrayValue)
            for l in layers {
                let layerName = try XCTUnwrap(l["name"]?.stringValue)
                guard let w = expected[name]?["layers"]?[layerName] else { continue }
                XCTAssertEqual(l["macs"]?.intValue, w["macs"]!.intValue! * 8, "\(name)/\(layerName)")
                XCTAssertEqual(l["receptive_field"]?["size"], w["receptive_field"]?["size"], "\(name)/\(layerName)")
            }
        }
        let bad = try convscope(["inspect", fixtures.appendingPathComponent("sequences/seq2seq.h5").path, "--batch", "0"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }

    func testInspectCostShowsQuantizedWeightStorage() throws {
        let j = try assertSchema("inspect", ["inspect", fixtures.appendingPathComponent("quantized/einsum.int4.keras").path])
        let storage = try XCTUnwrap(j["cost"]?["layers"]?.arrayValue?.compactMap { $0["weight_storage"] }.first { $0["bits"] != nil })
        XCTAssertEqual(storage["bits"]?.intValue, 4)
        XCTAssertNotNil(storage["scale_layout"]?.stringValue)
        let facts = try XCTUnwrap(j["quantized"]?.arrayValue?.first)
        XCTAssertEqual(storage["bytes"]?.intValue, facts["storage_bytes"]?.intValue)
        // TF.js weights quantized to uint8 / float16 store 1 / 2 bytes a value, as the manifest declares.
        for name in ["cnn_uint8", "cnn_float16"] {
            let t = try assertSchema("inspect", ["inspect", fixtures.appendingPathComponent("tfjs/\(name)/model.json").path])
            XCTAssertEqual(t["cost"]?["weight_bytes"]?.intValue, t["tfjs"]?["stored_bytes"]?.intValue, name)
        }
    }
}
