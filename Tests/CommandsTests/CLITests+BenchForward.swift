import Foundation
import Graph
import TestSupport
import XCTest

extension CLITests {
    /// `bench forward --json` (issue 24): the real report follows Schemas/bench-forward.schema.json, names
    /// the machine and every kernel in use, and times the fused and the unfused forward; the table, after
    /// the machine header, goes to stderr.
    func testBenchForwardJSONFollowsSchema() throws {
        let r = try convscope(["bench", "forward", "--arch", "conv", "--batch", "2", "--threads", "1", "--repeats", "1", "--no-tf", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONParser().parse(r.stdout)
        let errors = try SchemaValidator(schemaFile: Self.root.appendingPathComponent("Schemas/bench-forward.schema.json")).validate(json)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(json["rows"]?.arrayValue?.count, 1)
        XCTAssertEqual(json["rows"]?.arrayValue?.first?["batch"]?.intValue, 2)
        XCTAssertEqual(json["weights"]?.stringValue, "convscope-random")                  // no reference engine ran
        XCTAssertTrue(json["machine"]?["inference_convolutions"]?.stringValue?.hasPrefix("oneDNN") == true)
        XCTAssertTrue(r.stderr.hasPrefix("CPU: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("OpenBLAS core:") && r.stderr.contains("inference convolutions: oneDNN"), r.stderr)
        XCTAssertTrue(r.stderr.contains("conv batch 2 threads 1"), r.stderr)
    }
}
