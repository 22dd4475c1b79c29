import Foundation
import XCTest

/// Issue 18's options on the command line: bad values of `train --evolution…`, `maximize --method fourier`
/// and `match --ratio` are one line on stderr and exit 2, before any work; `maximize --method fourier --json`
/// follows the schema and its objective rises.
extension CLITests {
    func testFeatureVisualizationOptionsRefuseBadValues() throws {
        let model = fixtures.appendingPathComponent("demo/digits_conv.h5").path
        let img = fixtures.appendingPathComponent("demo/cat32.png").path
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("t.h5").path
        let cases: [([String], String)] = [
            (["train", model, "--data", dir.path, "--label", "3", "--out", out, "--evolution", "conv1", "--evolution-image", img,
              "--evolution-epochs", "1,x"], "'x' is not an epoch number"),
            (["train", model, "--data", dir.path, "--label", "3", "--out", out, "--evolution-epochs", "1"], "--evolution-epochs needs --evolution"),
            (["train", model, "--data", dir.path, "--label", "3", "--out", out, "--evolution", "conv1"], "go together"),
            (["maximize", model, "--class", "3", "--method", "fourier", "--init", "zeros", "--out", dir.appendingPathComponent("m").path],
             "--init does not apply to --method fourier"),
            (["maximize", model, "--class", "3", "--method", "fourier", "--jitter=-1"], "--jitter -1"),
            (["maximize", model, "--class", "3", "--method", "fourier", "--rotation", "200"], "--rotation 200"),
            (["maximize", model, "--class", "3", "--method", "fourier", "--render-size", "0"], "--render-size 0"),
            (["match", img, img, "--ratio", "1.5"], "--ratio 1.5"),
        ]
        for (args, needle) in cases {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stdout, "", args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(needle), "\(args.joined(separator: " ")): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m").path))

        let m = try assertSchema("maximize", ["maximize", model, "--class", "3", "--method", "fourier", "--steps", "12", "--seed", "2",
                                              "--out", dir.appendingPathComponent("f.png").path])
        XCTAssertEqual(m["method"]?.stringValue, "fourier")
        let objectives = try XCTUnwrap(m["runs"]?.arrayValue?.first?["objectives"]?.arrayValue).compactMap(\.doubleValue)
        XCTAssertEqual(objectives.count, 12)
        XCTAssertGreaterThan(objectives.suffix(3).reduce(0, +), objectives.prefix(3).reduce(0, +))
        // A channel: fourier reads it before conv2's fused ReLU unless --no-pre-activation; the label says which.
        for (flag, pre) in [([String](), true), (["--no-pre-activation"], false)] {
            let c = try assertSchema("maximize", ["maximize", model, "--layer", "conv2", "--channel", "1", "--method", "fourier", "--steps", "2",
                                                  "--out", dir.appendingPathComponent("c.png").path] + flag)
            let run = try XCTUnwrap(c["runs"]?.arrayValue?.first)
            XCTAssertEqual(run["label"]?.stringValue, "conv2 #1" + (pre ? " (pre-activation)" : ""))
            let first = try XCTUnwrap(run["objectives"]?.arrayValue?.first?.doubleValue)
            if !pre { XCTAssertGreaterThanOrEqual(first, 0, "after the ReLU") }
        }
    }
}
