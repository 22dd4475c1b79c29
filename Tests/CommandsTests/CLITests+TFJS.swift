import Foundation
import Graph
import TestSupport
import XCTest

/// `convscope` on TF.js layers models: --json against Schemas/, refusals (one line, exit 2, nothing written),
/// and export to TF.js and back.
extension CLITests {
    var tfjs: URL { fixtures.appendingPathComponent("tfjs") }

    func testTFJSInspectAndExportJSONFollowTheSchemas() throws {
        for name in ["cnn", "cnn_uint8", "cnn_old/model.json", "multi_jsform", "nested_mixed", "rnn"] {
            let j = try assertSchema("inspect", ["inspect", tfjs.appendingPathComponent(name).path, "--weights", "--tree"])
            XCTAssertEqual(j["file"]?["generation"]?.stringValue, "tfjs-layers", name)
            XCTAssertNotNil(j["tfjs"]?["weights"]?.arrayValue, name)
        }
        let mixed = try assertSchema("inspect", ["inspect", tfjs.appendingPathComponent("nested_mixed").path])
        let ws = mixed["tfjs"]!["weights"]!.arrayValue!
        XCTAssertEqual(ws.first { $0["name"]?.stringValue == "bb_conv/kernel" }?["quantization"]?.stringValue, "uint8")
        XCTAssertNotNil(ws.first { $0["name"]?.stringValue == "bb_conv/kernel" }?["scale"]?.doubleValue)
        XCTAssertEqual(mixed["tfjs"]!["stored_bytes"]?.intValue, 1362)
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("out").path
        let e = try assertSchema("export", ["export", fixtures.appendingPathComponent("formats/multi.keras3.keras").path,
                                                "--format", "tfjs", "--quantize", "uint16", "--shard-size", "1K", "--out", out])
        XCTAssertEqual(e["written"]?["format"]?.stringValue, "tfjs")
        XCTAssertEqual(e["written"]?["config"]?.stringValue, "converted from Keras 3")
        let back = try assertSchema("export", ["export", out, "--format", "keras", "--out", dir.appendingPathComponent("m.keras").path])
        XCTAssertEqual(back["input_generation"]?.stringValue, "tfjs-layers")
        let text = try convscope(["inspect", out])
        XCTAssertTrue(text.stdout.contains("uint16"), text.stdout)
        XCTAssertTrue(text.stdout.contains("quantization saves"), text.stdout)
    }

    func testTFJSRefusalsAreOneLineExit2AndWriteNothing() throws {
        let dir = try temporaryFolder()
        let m = dir.appendingPathComponent("m")
        try FileManager.default.copyItem(at: tfjs.appendingPathComponent("cnn"), to: m)
        try FileManager.default.removeItem(at: m.appendingPathComponent("group1-shard3of13.bin"))
        let out = dir.appendingPathComponent("x.keras").path
        for args in [["inspect", m.path], ["predict", m.path, tfjs.appendingPathComponent("cnn.in0.npy").path],
                     ["export", m.path, "--format", "keras", "--out", out]] {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("m/model.json") && r.stderr.contains("group1-shard3of13.bin"), r.stderr)
            XCTAssertEqual(r.stdout, "")
        }
        let wrongOption = try convscope(["export", tfjs.appendingPathComponent("cnn").path, "--format", "keras", "--quantize", "uint8", "--out", out])
        XCTAssertEqual(wrongOption.status, 2)
        XCTAssertTrue(wrongOption.stderr.contains("--format tfjs only"), wrongOption.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m"])
    }
}
