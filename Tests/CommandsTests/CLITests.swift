import Foundation
import Graph
import TestSupport
import XCTest

/// Runs the real `convscope` binary: JSON output against Schemas/, exit codes, one-line errors.
final class CLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: URL { root.appendingPathComponent(".build/debug/convscope") }
    var fixtures: URL { Self.root.appendingPathComponent("Fixtures") }

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    func convscope(_ args: [String], in dir: URL? = nil) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            XCTFail("\(Self.binary.path) is not built: run `swift build` (scripts/test.sh does) before the tests")
            throw CocoaError(.fileNoSuchFile)
        }
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func temporaryFolder() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    /// Runs with --json and validates stdout against Schemas/NAME.schema.json.
    @discardableResult
    func assertSchema(_ name: String, _ args: [String], in dir: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        let r = try convscope(args + ["--json"], in: dir)
        XCTAssertEqual(r.status, 0, "convscope \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        let json = try JSONParser().parse(r.stdout)
        let validator = try SchemaValidator(schemaFile: Self.root.appendingPathComponent("Schemas/\(name).schema.json"))
        let errors = validator.validate(json)
        XCTAssertTrue(errors.isEmpty, "\(name): \(errors.prefix(10).joined(separator: "; "))", file: file, line: line)
        return json
    }

    func testInspectJSONFollowsSchemaForEveryGeneration() throws {
        for f in ["tiny.keras3.h5", "tiny.tfkeras.h5", "tiny.tfkeras-weights.h5", "tiny.keras3.weights.h5", "tiny.keras3.keras",
                  "tiny.keras224.h5", "tiny.keras1-theano.h5", "nested.keras3.h5", "multi.tfkeras.h5", "lambda.tfkeras.h5",
                  "rnn.keras3.h5", "tiny.tfkeras-optimizer.h5"] {
            try assertSchema("inspect", ["inspect", fixtures.appendingPathComponent("formats/\(f)").path, "--weights", "--tree"])
        }
    }

    func testUnknownSettingsWarnOnStderrAndWrongTypesAreRefusedWhenRun() throws {
        let input = fixtures.appendingPathComponent("formats/tiny.in0.npy").path
        let unknown = fixtures.appendingPathComponent("bad/unknown_setting.h5").path
        let warned = try convscope(["predict", unknown, input])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertEqual(warned.stderr.split(separator: "\n").filter { $0.contains("warning: layer 'conv1' (Conv2D): setting 'kernal_size'") }.count, 1,
                       warned.stderr)
        let listed = try convscope(["inspect", unknown])
        XCTAssertTrue(listed.stdout.contains("Warning: layer 'conv1' (Conv2D): setting 'kernal_size' is not one Keras writes"), listed.stdout)

        let wrong = fixtures.appendingPathComponent("bad/wrong_type.h5").path
        let inspected = try convscope(["inspect", wrong])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        XCTAssertTrue(inspected.stdout.contains("layer 'conv1' (Conv2D) cannot run"), inspected.stdout)
        let refused = try convscope(["predict", wrong, input])
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("'filters' must be an integer, found \"four\""), refused.stderr)
    }

    func testInspectCountsEqualKeras() throws {
        let expected = try JSONParser().parse(String(decoding: try Data(contentsOf: fixtures.appendingPathComponent("formats/expected.json")), as: UTF8.self))
        for f in ["tiny.keras3.h5", "nested.keras3.keras", "multi.tfkeras.h5"] {
            let j = try assertSchema("inspect", ["inspect", fixtures.appendingPathComponent("formats/\(f)").path])
            let e = expected["files"]![f]!
            XCTAssertEqual(j["total_params"]?.intValue, e["total_params"]?.intValue, f)
            XCTAssertEqual(j["trainable_params"]?.intValue, e["trainable_params"]?.intValue, f)
            XCTAssertEqual(j["non_trainable_params"]?.intValue, e["non_trainable_params"]?.intValue, f)
        }
    }

    func testValidateExitCodes() throws {
        let tiny = fixtures.appendingPathComponent("formats/tiny.keras3.h5").path
        let expected = try JSONParser().parse(String(decoding: try Data(contentsOf: fixtures.appendingPathComponent("formats/expected.json")), as: UTF8.self))
        let n = expected["files"]!["tiny.keras3.h5"]!["total_params"]!.intValue!
        let ok = try assertSchema("validate", ["validate", tiny, "--expect-params", String(n)])
        XCTAssertEqual(ok["ok"], .bool(true))
        let bad = try convscope(["validate", tiny, "--expect-params", String(n + 1), "--json"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(try SchemaValidator(schemaFile: Self.root.appendingPathComponent("Schemas/validate.schema.json")).validate(try JSONParser().parse(bad.stdout)), [])
        let like = try convscope(["validate", tiny, "--like", fixtures.appendingPathComponent("formats/tiny.tfkeras.h5").path])
        XCTAssertEqual(like.status, 0, like.stdout + like.stderr)
        let unlike = try convscope(["validate", tiny, "--like", fixtures.appendingPathComponent("formats/multi.tfkeras.h5").path])
        XCTAssertEqual(unlike.status, 1)
        XCTAssertTrue(unlike.stdout.contains("layer"), unlike.stdout)
        let usage = try convscope(["validate", tiny])
        XCTAssertEqual(usage.status, 2)
    }

    /// Every hostile or broken file (those that open with a note are checked elsewhere): exit 2, exactly one line on stderr naming the file, nothing on stdout.
    func testBadFilesGiveOneLineAndExit2() throws {
        let bad = fixtures.appendingPathComponent("bad")
        for name in try FileManager.default.contentsOfDirectory(atPath: bad.path).sorted() where !["cases.json", "unknown_class.h5", "unknown_setting.h5", "wrong_type.h5"].contains(name) {
            let r = try convscope(["inspect", bad.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 2, name)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(name), "\(name): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", name)
        }
        let dir = try convscope(["inspect", fixtures.path])
        XCTAssertEqual(dir.status, 2)
        XCTAssertTrue(dir.stderr.contains("directory"), dir.stderr)
    }

    func testUnknownLayerIsListedButRefusedWhenRun() throws {
        let f = fixtures.appendingPathComponent("bad/unknown_class.h5").path
        let r = try convscope(["inspect", f])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("FancyLayer"))
        let img = fixtures.appendingPathComponent("demo/digit_3.png").path
        let run = try convscope(["predict", f, img])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("FancyLayer"), run.stderr)
    }

    func testLambdaIsReportedNeverRun() throws {
        let f = fixtures.appendingPathComponent("formats/lambda.tfkeras.h5").path
        let r = try convscope(["inspect", f])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Lambda"))
        let npy = fixtures.appendingPathComponent("formats/lambda.in0.npy").path
        let run = try convscope(["predict", f, npy])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("never executed"), run.stderr)
    }

    func testPredictDeconvSaliencyMaximizeJSON() throws {
        let dir = try temporaryFolder()
        let model = fixtures.appendingPathComponent("demo/digits_conv.h5").path
        let img = fixtures.appendingPathComponent("demo/digit_3.png").path
        let p = try assertSchema("predict", ["predict", model, img, "--top", "3"])
        XCTAssertEqual(p["items"]?.arrayValue?.first?["top"]?.arrayValue?.first?["class_index"]?.intValue, 3)
        // A .npy holding a batch: one item per tensor, named by index.
        let batch = fixtures.appendingPathComponent("formats/tiny.in0.npy").path
        let pb = try assertSchema("predict", ["predict", fixtures.appendingPathComponent("formats/tiny.keras3.h5").path, batch])
        XCTAssertEqual(pb["items"]?.arrayValue?.map { $0["input"]?.stringValue ?? "" }, [batch + "[0]", batch + "[1]"])
        let d = try assertSchema("deconv", ["deconv", model, img, "--out", dir.appendingPathComponent("d").path])
        for pr in d["projections"]!.arrayValue! { XCTAssertTrue(FileManager.default.fileExists(atPath: pr["png"]!.stringValue!)) }
        try assertSchema("deconv", ["deconv", model, img, "--layer", "conv2", "--top", "3", "--rule", "guided", "--out", dir.appendingPathComponent("g").path])
        for m in ["gradient", "guided", "gradcam"] {
            try assertSchema("saliency", ["saliency", model, img, "--method", m, "--overlay", "--out", dir.appendingPathComponent("s_\(m).png").path])
        }
        let act = try assertSchema("activations", ["activations", model, img, "--layer", "conv2", "--png", "--out", dir.appendingPathComponent("act").path])
        XCTAssertEqual(act["shape"]?.arrayValue?.count, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: act["png"]!.stringValue!))
        let mx = try assertSchema("maximize", ["maximize", model, "--class", "3", "--steps", "4", "--seed", "1", "--out", dir.appendingPathComponent("m.png").path])
        XCTAssertEqual(mx["runs"]?.arrayValue?.first?["objectives"]?.arrayValue?.count, 4)
    }

    func testBadTargetsAreRefused() throws {
        let model = fixtures.appendingPathComponent("demo/digits_conv.h5").path
        let img = fixtures.appendingPathComponent("demo/digit_3.png").path
        let cases: [([String], String)] = [
            (["maximize", model, "--class", "10"], "out of range"),
            (["maximize", model, "--layer", "nope", "--channel", "0"], "no layer named 'nope'"),
            (["maximize", model, "--layer", "conv1", "--channel", "999"], "channel 999"),
            (["deconv", model, img, "--layer", "conv1", "--channel", "999"], "channel 999"),
            (["saliency", model, img, "--class", "42"], "out of range"),
            (["predict", model, fixtures.appendingPathComponent("formats/tiny.in0.npy").path], "does not fit the model input"),
        ]
        for (args, needle) in cases {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(needle), "\(args.joined(separator: " ")): \(r.stderr)")
        }
    }

    func testMatchJSONAndDemo() throws {
        let dir = try temporaryFolder()
        let q = fixtures.appendingPathComponent("demo/cat224.jpg").path
        let others = (0..<3).map { fixtures.appendingPathComponent("demo/digit_\($0).png").path } + [q]
        let m = try assertSchema("match", ["match", q] + others + ["--query", fixtures.appendingPathComponent("demo/cat32.png").path, "--plot", dir.path])
        let first = m["queries"]!.arrayValue![0]["results"]!.arrayValue![0]
        // The query matched with itself: every match an inlier, the largest contribution.
        XCTAssertEqual(first["ranking"]!.arrayValue![0]["name"]?.stringValue, "cat224.jpg")
        XCTAssertNotNil(m["figure6"])
        let demo = try assertSchema("demo", ["demo", "--out", dir.appendingPathComponent("demo").path])
        XCTAssertEqual(demo["accuracy"]?.doubleValue, 1.0)
        for key in ["deconv_montage", "guided_montage", "saliency", "gradcam", "maximize_grid"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: demo[key]!.stringValue!), key)
        }
    }

    // MARK: --max-memory

    /// Asserts a run was refused by the memory limit: exit 2, nothing on stdout, exactly one line on stderr.
    func assertRefusedByLimit(_ args: [String], mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try convscope(args)
        let command = args.joined(separator: " ")
        XCTAssertEqual(r.status, 2, "\(command): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", command, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(command): \(r.stderr)", file: file, line: line)
        for f in fragments + ["over the memory limit of", "(--max-memory)"] {
            XCTAssertTrue(r.stderr.contains(f), "\(command): '\(f)' missing from \(r.stderr)", file: file, line: line)
        }
    }

    func testMaxMemoryRefusesWithOneLineAndExit2() throws {
        let model = fixtures.appendingPathComponent("demo/digits_conv.h5").path
        let digit = fixtures.appendingPathComponent("demo/digit_3.png").path
        let cat = fixtures.appendingPathComponent("demo/cat224.jpg").path
        let tiny = fixtures.appendingPathComponent("formats/tiny.keras3.h5").path
        // The model's weights together (148,442 float32 values) are over 10 KiB.
        try assertRefusedByLimit(["predict", model, digit, "--max-memory", "10K"],
                                 mentioning: ["digits_conv.h5", "the weights declare 593768 bytes", "10 KiB"])
        // The weights fit in 600 KiB; the 224 x 224 JPEG (735 KiB decoded) does not.
        try assertRefusedByLimit(["predict", model, cat, "--max-memory", "600K"],
                                 mentioning: ["cat224.jpg", "image of 224x224x3 samples declares 752640 bytes", "600 KiB"])
        // inspect --weights streams each weight in row blocks; a row of 36 float32 values is over 100 bytes.
        try assertRefusedByLimit(["inspect", tiny, "--weights", "--max-memory", "100"],
                                 mentioning: ["tiny.keras3.h5", "conv1/kernel", "144 bytes", "100 bytes"])
        try assertRefusedByLimit(["inspect", fixtures.appendingPathComponent("formats/tiny.keras3.keras").path, "--max-memory", "1K"],
                                 mentioning: ["zip entry 'model.weights.h5' declares"])
        // The same commands under a generous limit, and without the option, work.
        let ok = try convscope(["predict", model, digit, cat, "--top", "1", "--json", "--max-memory", "1.5GiB"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try JSONParser().parse(ok.stdout)["items"]?.arrayValue?.first?["top"]?.arrayValue?.first?["class_index"]?.intValue, 3)
        XCTAssertEqual(try convscope(["inspect", tiny, "--weights"]).status, 0)
    }

    func testMaxMemoryRejectsBadSizesAsUsageErrors() throws {
        let tiny = fixtures.appendingPathComponent("formats/tiny.keras3.h5").path
        for (value, reason) in [("garbage", "'garbage' is not a size"), ("0", "'0' is not a positive size"), ("12Q", "'12Q' is not a size")] {
            let r = try convscope(["inspect", tiny, "--max-memory", value])
            XCTAssertEqual(r.status, 2, "\(value): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", value)
            XCTAssertTrue(r.stderr.contains(reason), "\(value): \(r.stderr)")
        }
    }

    func testEveryCommandThatReadsFilesTakesMaxMemory() throws {
        let commands = [["inspect"], ["validate"], ["predict"], ["activations"], ["deconv"], ["saliency"], ["maximize"], ["demo"],
                        ["train"], ["experiment"], ["export"], ["diff"], ["match"], ["bow"], ["bench", "inspect"], ["bench", "experiment"]]
        for c in commands {
            let r = try convscope(c + ["--help"])
            XCTAssertEqual(r.status, 0, c.joined(separator: " "))
            XCTAssertTrue(r.stdout.contains("--max-memory <size>"), "\(c.joined(separator: " ")) --help lacks --max-memory")
        }
    }
}
