import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
import XCTest

/// Issue 18 through the binary: `saliency` with the attribution methods, `occlusion` and `faithfulness`, their
/// JSON against Schemas/, their files against TensorFlow's numbers (Fixtures/attribution, the demo model on its
/// committed input), and their refusals.
extension CLITests {
    private var demoModel: String { fixtures.appendingPathComponent("demo/digits_conv.h5").path }
    private func attribution(_ name: String) -> String { fixtures.appendingPathComponent("attribution/\(name)").path }

    private func assertClose(_ got: Tensor, _ want: Tensor, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(label): \(got.shape) vs \(want.shape)", file: file, line: line)
        guard got.count == want.count else { return }
        XCTAssertLessThanOrEqual(Fixture.relativeError(got, want), 1e-4, label, file: file, line: line)
    }

    func testAttributionSaliencyMethodsWriteTheirMaps() throws {
        let dir = try temporaryFolder()
        let x = attribution("demo.in.npy")
        let ig = try assertSchema("saliency", ["saliency", demoModel, x, "--class", "3", "--method", "integrated-gradients", "--steps", "16",
                                               "--out", dir.appendingPathComponent("ig").path])
        XCTAssertEqual(ig["steps"]?.intValue, 16)
        XCTAssertEqual(ig["baseline"]?.stringValue, "zeros")
        assertClose(try NPY.read(ig["npy"]!.stringValue!), try NPY.read(attribution("demo.ig_zeros.npy")), "saliency --method integrated-gradients")
        XCTAssertEqual(try NPY.read(ig["npy"]!.stringValue!).shape, [32, 32, 3])
        for (method, key) in [("gradcam++", "demo.gradcampp.npy"), ("scorecam", "demo.scorecam.npy")] {
            let r = try assertSchema("saliency", ["saliency", demoModel, x, "--class", "3", "--method", method, "--layer", "pool4", "--overlay",
                                                  "--out", dir.appendingPathComponent(method).path])
            XCTAssertEqual(r["layer"]?.stringValue, "pool4")
            assertClose(try NPY.read(r["npy"]!.stringValue!), try NPY.read(attribution(key)), "saliency --method \(method)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: r["png"]!.stringValue!))
        }
        for method in ["smoothgrad", "vargrad"] {
            let r = try assertSchema("saliency", ["saliency", demoModel, x, "--method", method, "--samples", "4", "--noise", "0.1", "--seed", "3",
                                                  "--out", dir.appendingPathComponent(method).path])
            XCTAssertEqual(r["samples"]?.intValue, 4)
            XCTAssertEqual(r["seed"]?.intValue, 3)
            XCTAssertEqual(try NPY.read(r["npy"]!.stringValue!).shape, [32, 32, 3])
        }
    }

    func testOcclusionMapsMatchTensorFlow() throws {
        let dir = try temporaryFolder()
        let r = try assertSchema("occlusion", ["occlusion", demoModel, attribution("demo.in.npy"), "--class", "3", "--patch", "8", "--stride", "4",
                                               "--layer", "conv3", "--channel", "5", "--out", dir.path])
        XCTAssertEqual([r["rows"]?.intValue, r["columns"]?.intValue], [7, 7])
        XCTAssertTrue(r["class_map"]!["npy"]!.stringValue!.hasSuffix("occlusion_class3.npy"))
        assertClose(try NPY.read(r["class_map"]!["npy"]!.stringValue!), try NPY.read(attribution("demo.occlusion_probability.npy")), "class map")
        assertClose(try NPY.read(r["activation_map"]!["npy"]!.stringValue!), try NPY.read(attribution("demo.occlusion_activation.npy")), "activation map")
        XCTAssertEqual(try NPY.read(r["top_class_map"]!["npy"]!.stringValue!).data, try NPY.read(attribution("demo.occlusion_top_class.npy")).data)
        for key in ["class_map", "activation_map", "top_class_map"] { XCTAssertTrue(FileManager.default.fileExists(atPath: r[key]!["png"]!.stringValue!), key) }
        let overlaid = try convscope(["occlusion", demoModel, fixtures.appendingPathComponent("demo/digit_3.png").path, "--patch", "8", "--stride", "8",
                                      "--overlay", "--out", dir.appendingPathComponent("o").path])
        XCTAssertEqual(overlaid.status, 0, overlaid.stderr)
        XCTAssertEqual(try NPY.read(dir.appendingPathComponent("o/occlusion_class3.npy").path).shape, [4, 4])
    }

    func testFaithfulnessCurvesMatchTensorFlowAndMethodsAreScoredSideBySide() throws {
        let dir = try temporaryFolder()
        let cases = try Fixture.json("attribution/cases.json")
        let demo = cases["cases"]!.arrayValue!.first { $0["name"]?.stringValue == "demo" }!
        for metric in ["deletion", "insertion"] {
            let r = try assertSchema("faithfulness", ["faithfulness", demoModel, attribution("demo.in.npy"), "--map", attribution("demo.rank_map.npy"),
                                                      "--class", "3", "--metric", metric, "--steps", "16", "--out", dir.appendingPathComponent(metric).path])
            let entry = r["maps"]!.arrayValue![0]
            XCTAssertEqual(entry["area"]!.doubleValue!, demo["curves"]![metric]!.doubleValue!, accuracy: 1e-4, metric)
            let curve = Tensor(shape: [17], data: entry["curve"]!.arrayValue!.map { Float($0.doubleValue!) })
            assertClose(curve, try NPY.read(attribution("demo.\(metric)_curve.npy")), metric)
            XCTAssertEqual(try JSONParser().parse(String(contentsOfFile: r["json"]!.stringValue!, encoding: .utf8))["maps"]?.arrayValue?.count, 1)
        }
        let side = try assertSchema("faithfulness", ["faithfulness", demoModel, attribution("demo.in.npy"), "--methods", "gradient,gradcam++,scorecam",
                                                     "--methods", "integrated-gradients", "--ig-steps", "8", "--steps", "8",
                                                     "--out", dir.appendingPathComponent("side").path])
        XCTAssertEqual(side["maps"]!.arrayValue!.map { $0["method"]!.stringValue! }, ["gradient", "gradcam++", "scorecam", "integrated-gradients"])
        XCTAssertEqual(side["maps"]!.arrayValue![1]["layer"]?.stringValue, "pool4")
        for key in ["plot", "montage"] { XCTAssertTrue(FileManager.default.fileExists(atPath: side[key]!.stringValue!), key) }
        let table = try convscope(["faithfulness", demoModel, attribution("demo.in.npy"), "--methods", "gradient,gradcam", "--steps", "4",
                                   "--out", dir.appendingPathComponent("table").path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("deletion of class 3") && table.stdout.contains("gradcam "), table.stdout)
    }

    func testMuFidelityMatchesTensorFlowOnTheSameSubsets() throws {
        let dir = try temporaryFolder()
        let want = try Fixture.json("attribution/mufidelity.json")
        let s = want["settings"]!
        let r = try assertSchema("faithfulness", ["faithfulness", demoModel, attribution("demo.in.npy"), "--map", attribution("demo.rank_map.npy"),
                                                  "--class", "3", "--metric", "mufidelity", "--grid", "\(s["grid"]!.intValue!)",
                                                  "--fraction", "\(s["fraction"]!.doubleValue!)", "--subsets", "\(s["subsets"]!.intValue!)",
                                                  "--subset-seed", "\(s["seed"]!.intValue!)", "--out", dir.path])
        XCTAssertEqual(r["mufidelity"]?["subsets"]?.intValue, s["subsets"]!.intValue!)
        XCTAssertNil(r["steps"])
        let entry = r["maps"]!.arrayValue![0]
        func vector(_ key: String) -> Tensor {
            let v = entry[key]!.arrayValue!.map { Float($0.doubleValue!) }
            return Tensor(shape: [v.count], data: v)
        }
        assertClose(vector("sums"), try NPY.read(attribution(want["sums"]!.stringValue!)), "MuFidelity sums (the same subsets)")
        assertClose(vector("drops"), try NPY.read(attribution(want["drops"]!.stringValue!)), "MuFidelity drops")
        XCTAssertEqual(entry["score"]!.doubleValue!, want["score"]!.doubleValue!, accuracy: 1e-4)
        XCTAssertNil(entry["curve"])
        let table = try convscope(["faithfulness", demoModel, attribution("demo.in.npy"), "--methods", "gradient", "--metric", "mufidelity",
                                   "--subsets", "8", "--out", dir.appendingPathComponent("table").path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("8 subsets of a 9x9 grid") && table.stdout.contains("score"), table.stdout)
    }

    func testAttributionRefusals() throws {
        let dir = try temporaryFolder()
        let x = attribution("demo.in.npy")
        let short = dir.appendingPathComponent("short.npy").path
        try NPY.write(Tensor(zeros: [5]), to: short)
        let mlp = fixtures.appendingPathComponent("inputs/mlp_classifier.keras").path, vector = fixtures.appendingPathComponent("inputs/x784_one.npy").path
        let out = dir.appendingPathComponent("out").path
        let cases: [([String], String)] = [
            (["faithfulness", demoModel, x, "--out", out], "--map MAP.npy or --methods"),
            (["faithfulness", demoModel, x, "--map", short, "--methods", "gradient", "--out", out], "--map MAP.npy or --methods"),
            (["faithfulness", demoModel, x, "--methods", "nope", "--out", out], "unknown method 'nope'"),
            (["faithfulness", demoModel, x, "--map", short, "--out", out], "short.npy"),
            (["faithfulness", demoModel, x, "--map", short, "--steps", "0", "--out", out], "--steps"),
            (["faithfulness", demoModel, x, "--map", attribution("demo.rank_map.npy"), "--metric", "mufidelity", "--grid", "40", "--out", out], "--grid 40"),
            (["faithfulness", demoModel, x, "--map", attribution("demo.rank_map.npy"), "--metric", "mufidelity", "--fraction", "1", "--out", out], "--fraction"),
            (["faithfulness", demoModel, x, "--map", attribution("demo.rank_map.npy"), "--grid", "3", "--out", out], "--metric mufidelity only"),
            (["occlusion", demoModel, x, "--patch", "40", "--stride", "4", "--out", out], "does not fit"),
            (["occlusion", demoModel, x, "--patch", "8", "--stride", "4", "--layer", "conv3", "--out", out], "--layer and --channel"),
            (["occlusion", demoModel, x, "--patch", "8", "--stride", "4", "--layer", "conv3", "--channel", "99", "--out", out], "channel 99"),
            (["saliency", demoModel, x, "--method", "integrated-gradients", "--samples", "3", "--out", out], "--samples"),
            (["saliency", demoModel, x, "--method", "smoothgrad", "--steps", "3", "--out", out], "integrated-gradients only"),
            (["saliency", mlp, vector, "--method", "scorecam", "--out", out], "needs an image model"),
            (["occlusion", mlp, vector, "--patch", "2", "--stride", "2", "--out", out], "needs an image model"),
        ]
        for (args, needle) in cases {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.contains("--help") }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(needle), "\(args.joined(separator: " ")): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a refused command wrote \(out)")
    }
}
