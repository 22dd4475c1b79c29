import Foundation
import Graph
import TestSupport
import XCTest

extension CLITests {
    /// `bench onnx-export --no-tf --json` on a small model: the real report follows
    /// Schemas/bench-onnx-export.schema.json, ConvScope's file matches Keras, the lines go to stderr after
    /// the machine header. Needs the pinned Python (onnxruntime computes the parity).
    func testBenchONNXExportJSONFollowsSchema() throws {
        guard ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"] != nil else {
            throw XCTSkip("CONVSCOPE_PYTHON is not set: the ONNX export bench runs onnxruntime in the pinned Python")
        }
        let r = try convscope(["bench", "onnx-export", "--model", fixtures.appendingPathComponent("models/conv_small.keras3.h5").path,
                               "--input", fixtures.appendingPathComponent("models/conv_small.in.npy").path,
                               "--expected", fixtures.appendingPathComponent("models/conv_small.out.npy").path,
                               "--logits", fixtures.appendingPathComponent("models/conv_small.logits.npy").path, "--no-tf", "--json"],
                              in: Self.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONParser().parse(r.stdout)
        let errors = try SchemaValidator(schemaFile: Self.root.appendingPathComponent("Schemas/bench-onnx-export.schema.json")).validate(json)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(json["convscope"]?["status"]?.intValue, 0)
        XCTAssertLessThan(try XCTUnwrap(json["convscope"]?["parity_vs_keras"]?.doubleValue), 1e-4)
        XCTAssertLessThan(try XCTUnwrap(json["convscope"]?["logits_parity_vs_keras"]?.doubleValue), 1e-4)
        XCTAssertGreaterThan(json["convscope"]?["peak_rss_mb"]?.doubleValue ?? 0, 0)
        XCTAssertTrue(json["tf2onnx"]?.isNull ?? true)
        XCTAssertTrue(r.stderr.hasPrefix("CPU: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("conv_small.keras3.h5 to ONNX  ConvScope"), r.stderr)
    }
}
