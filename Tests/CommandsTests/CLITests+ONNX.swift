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
        }
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
