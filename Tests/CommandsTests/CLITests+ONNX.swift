import Commands
import Foundation
import Graph
import TestSupport
import XCTest

/// `convscope export --format onnx` as a process: JSON against Schemas/export-onnx.schema.json with the
/// `--check` parity (run from the checkout, where Benchmarks/onnx_check.py is), and the refusals' one line
/// and exit code 2 with nothing written.
extension CLITests {
    func testONNXExportJSONFollowsSchemaAndChecksParity() throws {
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("conv.onnx").path
        let json = try assertSchema("export-onnx", ["export", fixtures.appendingPathComponent("models/conv_small.keras3.h5").path,
                                                    "--format", "onnx", "--out", out, "--layout", "nchw", "--batch", "3", "--check"],
                                    in: Self.root)
        XCTAssertEqual(json["written"]?["opset"]?.intValue, 17)
        XCTAssertEqual(json["batch"]?.stringValue, "3")
        if ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"] != nil {
            let d = try XCTUnwrap(json["check"]?["max_relative_difference"]?.doubleValue, "\(json.serialized())")
            XCTAssertLessThan(d, 1e-4)
            // conv_small ends in a softmax: the logits are compared too.
            let l = try XCTUnwrap(json["check"]?["logits_max_relative_difference"]?.doubleValue, "\(json.serialized())")
            XCTAssertLessThan(l, 1e-4)
        }
    }

    /// A float8-quantized layer below opset 19: one line naming the layer, the mode and the opset, exit 2,
    /// nothing written; at opset 19 it is written. `--version` prints the version the metadata records.
    func testONNXExportRefusesFloat8BelowOpset19AndPrintsVersion() throws {
        let dir = try temporaryFolder()
        let model = fixtures.appendingPathComponent("quantized/mlp.float8.keras").path
        let out = dir.appendingPathComponent("f8.onnx").path
        let r = try convscope(["export", model, "--format", "onnx", "--out", out])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("layer 'fc1': float8") && r.stderr.contains("opset 17"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        XCTAssertEqual(try convscope(["export", model, "--format", "onnx", "--out", out, "--opset", "19"]).status, 0)
        let v = try convscope(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines), ConvScopeVersion.current)
    }

    func testONNXExportRefusesALambdaAndOptionsOfOtherFormats() throws {
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("lambda.onnx").path
        let r = try convscope(["export", fixtures.appendingPathComponent("formats/lambda.tfkeras.h5").path, "--format", "onnx", "--out", out])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("layer 'double' (Lambda)"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        let k = try convscope(["export", fixtures.appendingPathComponent("formats/tiny.keras3.h5").path, "--format", "keras3-h5",
                               "--out", dir.appendingPathComponent("t.h5").path, "--opset", "13"])
        XCTAssertEqual(k.status, 2, "--opset applies to --format onnx only")
        let b = try convscope(["export", fixtures.appendingPathComponent("formats/tiny.keras3.h5").path, "--format", "onnx",
                               "--out", dir.appendingPathComponent("t.onnx").path, "--batch", "0"])
        XCTAssertEqual(b.status, 2, "--batch 0 is refused while parsing")
    }
}
