import Foundation
import Graph
import Tensor
@testable import HDF5
import Imaging
@testable import KerasIO
import TestSupport
import XCTest
import Zoo

/// Inputs the fuzzers (Fuzz/) crashed or hung on, and the limits and refusals for untrusted files.
/// Each regression file is named `<fuzz target>-<what>.<ext>` and must give a clean, one-line thrown error.
final class RegressionTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let regressions = Repository.resource("regressions")

    static func regressionFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: regressions, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Opens `url` with the reader its fuzz target exercises.
    static func open(_ url: URL) throws {
        let name = url.lastPathComponent
        let target = String(name.prefix { $0 != "-" })
        let data = try Data(contentsOf: url)
        switch target {
        case "h5", "keras": _ = try KerasFile.open(url.path, loadValues: true)
        case "weights_h5":
            _ = try KerasFile.open(url.path, loadValues: true)
            _ = try KerasFile.attach(weightsFile: url.path, to: try Zoo.graph(named: "conv"))
        case "json": _ = try ModelConfigParser(file: name).parse(text: String(decoding: data, as: UTF8.self))
        case "png": _ = try PNGCodec.decode(data, name: name)
        case "jpeg": _ = try JPEGCodec.decode(data, name: name)
        case "npy": _ = try NPY.read(url.path)
        case "cifar": _ = try CIFAR10.read(url.path)
        default: XCTFail("\(name): no fuzz target '\(target)'; name regression files <target>-<what>.<ext>")
        }
    }

    func testEveryRegressionInputThrowsACleanError() throws {
        let files = try Self.regressionFiles()
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for url in files {
            XCTAssertThrowsError(try Self.open(url), url.lastPathComponent) { e in
                let line = "\(e)"
                XCTAssertFalse(line.contains("\n"), "\(url.lastPathComponent): \(line)")
                XCTAssertFalse(line.isEmpty, url.lastPathComponent)
            }
        }
    }

    func testSpecificRegressionMessages() throws {
        let expect: [(String, String)] = [
            ("h5-global-heap-free-space-loop.h5", "global heap"),
            ("keras-zip-offset-past-end.keras", "zip"),
            ("keras-absolute-path.keras", "path escapes the archive"),
            ("keras-windows-drive-path.keras", "path escapes the archive"),
            ("h5-vlen-heap-index-zero.h5", "names object 0 of the global heap"),
            ("weights_h5-vlen-huge-character-type.h5", "byte characters for a variable-length string"),
            ("weights_h5-vlen-unused-heap-index.h5", "which does not exist"),
            ("h5-compact-group-damaged-link-message.h5", "damaged group: its links cannot be decoded"),
            ("h5-float-of-4-gib-elements.h5", "declares 4294836228-byte numbers"),
            ("json-unpaired-surrogate-escape.json", "high surrogate \\uD800 followed by \\u0041"),
        ]
        for (file, text) in expect {
            XCTAssertThrowsError(try Self.open(Self.regressions.appendingPathComponent(file))) { e in
                XCTAssertTrue("\(e)".contains(text), "\(file): \(e)")
            }
        }
    }

    // MARK: Global heap check

    func testGlobalHeapCheckAcceptsEveryFixtureAndRefusesBrokenCollections() throws {
        for url in Self.allFiles(under: ["Fixtures", "Tests/Resources"]) where url.pathExtension == "h5" && !url.path.contains("/regressions/") {
            XCTAssertNil(H5GlobalHeapCheck.problem(inFileAt: url.path), url.path)
        }
        // A collection whose free-space object has size 0 (libhdf5 1.10 loops forever on it).
        var heap = [UInt8]("GCOL".utf8) + [1, 0, 0, 0] + le64(4096)
        heap += le16(1) + le16(0) + [0, 0, 0, 0] + le64(5) + Array("hello".utf8) + [0, 0, 0]
        heap += le16(0) + le16(0) + [0, 0, 0, 0] + le64(0)
        heap += [UInt8](repeating: 0, count: 4096 - heap.count)
        XCTAssertNotNil(heap.withUnsafeBytes { H5GlobalHeapCheck.problem(in: $0) })
        // An object larger than its collection.
        var big = [UInt8]("GCOL".utf8) + [1, 0, 0, 0] + le64(64)
        big += le16(1) + le16(0) + [0, 0, 0, 0] + le64(1 << 40)
        big += [UInt8](repeating: 0, count: 64 - big.count)
        XCTAssertNotNil(big.withUnsafeBytes { H5GlobalHeapCheck.problem(in: $0) })
        // A collection declared past the end of the file.
        XCTAssertNotNil(([UInt8]("GCOL".utf8) + [1, 0, 0, 0] + le64(1 << 20)).withUnsafeBytes { H5GlobalHeapCheck.problem(in: $0) })
    }

    // MARK: Limits and refusals

    func testJSONDepthAndSizeLimits() throws {
        // Depth counts from 0: maxDepth 8 allows 9 nested levels.
        XCTAssertThrowsError(try JSONParser(maxDepth: 8).parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10))) { e in
            XCTAssertTrue("\(e)".contains("deeper"), "\(e)")
        }
        XCTAssertNoThrow(try JSONParser(maxDepth: 8).parse(String(repeating: "[", count: 9) + String(repeating: "]", count: 9)))
        let big = "[" + String(repeating: "1,", count: 600) + "1]"
        XCTAssertThrowsError(try JSONParser(maxBytes: 1000).parse(big)) { e in
            XCTAssertFalse("\(e)".contains("\n"))
        }
        XCTAssertNoThrow(try JSONParser(maxBytes: 2000).parse(big))
        let p = ModelConfigParser(file: "x.json", jsonLimits: JSONParser(maxDepth: 512, maxBytes: 100))
        XCTAssertThrowsError(try p.parse(text: big)) { e in XCTAssertTrue("\(e)".hasPrefix("x.json: model_config:"), "\(e)") }
    }

    func testLambdaIsListedNeverRun() throws {
        let f = try KerasFile.open(Self.root.appendingPathComponent("Fixtures/formats/lambda.keras3.keras").path)
        let row = try XCTUnwrap(ModelSummary(f.model!).layers.first { $0.className == "Lambda" })
        XCTAssertFalse(row.runnable)
        XCTAssertTrue(f.notes.joined(separator: " ").contains("Lambda"), "\(f.notes)")
    }

    /// The tiny Keras 3 model's config with its Conv2D settings edited as text.
    private func tinyConfig(replacing old: String, with new: String) throws -> KerasModel {
        let file = try H5File.open(Self.root.appendingPathComponent("Fixtures/formats/tiny.keras3.h5").path)
        guard case .string(let text) = try file.root.attribute("model_config") else { throw XCTSkip("no model_config") }
        XCTAssertTrue(text.contains(old), "fixture changed: \(old) not in its config")
        return try ModelConfigParser(file: "edited").parse(text: text.replacingOccurrences(of: old, with: new))
    }

    func testUnknownSettingsAreIgnoredWithAWarning() throws {
        let model = try tinyConfig(replacing: "\"filters\": 4,", with: "\"filters\": 4, \"kernal_size\": 5, \"planted\": {\"a\": 1},")
        let warnings = model.notes.filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 2, "\(model.notes)")
        XCTAssertTrue(warnings[0].contains("layer 'conv1' (Conv2D): setting 'kernal_size'") && warnings[0].contains("ignored"), warnings[0])
        XCTAssertTrue(warnings[1].contains("setting 'planted'"), warnings[1])
        // Still runs: the warning is all.
        XCTAssertTrue(model.graph.nodes.allSatisfy { $0.layer.isRunnable }, "\(model.notes)")
    }

    func testWrongTypesAreRefusedWithTheReason() throws {
        let model = try tinyConfig(replacing: "\"filters\": 4,", with: "\"filters\": \"four\",")
        XCTAssertTrue(model.notes.contains { $0.contains("layer 'conv1' (Conv2D) cannot run") && $0.contains("'filters' must be an integer") },
                      "\(model.notes)")
        XCTAssertThrowsError(try model.graph.predict(Tensor(zeros: [1, 16, 16, 3]))) { e in
            XCTAssertTrue("\(e)".contains("'filters' must be an integer, found \"four\""), "\(e)")
        }
    }

    func testEveryRunnableClassHasItsKerasSettingsAndNoFixtureWarns() throws {
        // Every class name of every kind answers with its own keys (the protocol has no default for them).
        let config: JSON = ["name": "x", "trainable": true, "not_a_keras_key": 1]
        for kind in LayerRegistry.kinds {
            for name in kind.kerasClassNames {
                XCTAssertEqual(LayerRegistry.unknownConfigKeys(in: config, className: name), ["not_a_keras_key"], name)
            }
        }
        var checked = 0
        for url in Self.allFiles(under: ["Fixtures", "Tests/Resources"])
        where ["h5", "keras"].contains(url.pathExtension) && !url.path.contains("/bad/") && !url.path.contains("/regressions/") {
            guard let file = try? KerasFile.open(url.path, loadValues: false) else { continue }
            XCTAssertEqual(file.notes.filter { $0.hasPrefix("warning:") }, [], url.lastPathComponent)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testShapeContradictingConfigNamesBothShapes() {
        XCTAssertThrowsError(try KerasFile.open(Self.root.appendingPathComponent("Fixtures/bad/shape_mismatch.h5").path)) { e in
            XCTAssertTrue("\(e)".contains("(3, 3, 4, 4)") && "\(e)".contains("(3, 3, 3, 4)"), "\(e)")
        }
    }

    func testDeclaredSizesAboveLimitsAreRefusedBeforeAllocating() throws {
        // A .npy header declaring 2^40 float32 values.
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8))
        XCTAssertThrowsError(try NPY.decode(npy, byteLimit: 1 << 20)) { e in XCTAssertFalse("\(e)".contains("\n")) }
        // A PNG whose IHDR declares 100000 x 100000 pixels (a decompression bomb's header).
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += be32(100_000) + be32(100_000) + [8, 2, 0, 0, 0] + [0, 0, 0, 0]
        XCTAssertThrowsError(try PNGCodec.decode(Data(png))) { e in
            guard let i = e as? ImagingError else { return XCTFail("\(e)") }
            XCTAssertEqual(i.kind, .tooLarge, "\(e)")
        }
    }

    // MARK: No leaked HDF5 identifiers

    func testNoHDF5IdentifiersLeakAcrossEveryFixtureAndBadFile() throws {
        let before = try H5File.openObjectCountInAllFiles()
        var opened = 0
        for url in Self.allFiles(under: ["Fixtures/formats", "Fixtures/bad", "Fixtures/demo", "Fixtures/models",
                                         "Tests/Resources/hdf5", "Tests/Resources/regressions"])
        where ["h5", "keras"].contains(url.pathExtension) {
            _ = try? KerasFile.open(url.path, loadValues: true)
            _ = try? KerasFile.open(url.path, loadValues: false)
            if let f = try? H5File.open(url.path) {
                _ = try? f.root.walk { _ in }
                f.close()
            }
            opened += 1
        }
        XCTAssertGreaterThan(opened, 30)
        XCTAssertEqual(try H5File.openObjectCountInAllFiles(), before, "HDF5 identifiers leaked")
    }

    // MARK: The CLI exits 2 on every refused file

    /// Runs `convscope inspect --weights` (values are read too) on `url`: it must exit 2 with one line
    /// on stderr and never be killed by a signal. Returns that line.
    @discardableResult
    static func assertCLIRefuses(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let exe = root.appendingPathComponent(".build/debug/convscope")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            XCTFail("\(exe.path) is not built; run `swift build` in \(root.path) first", file: file, line: line)
            return ""
        }
        let p = Process()
        p.executableURL = exe
        p.arguments = ["inspect", "--weights", url.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let name = url.lastPathComponent
        XCTAssertEqual(p.terminationReason, .exit, "\(name): convscope was killed by a signal", file: file, line: line)
        XCTAssertEqual(p.terminationStatus, 2, "\(name): \(text)", file: file, line: line)
        XCTAssertEqual(text.split(separator: "\n").count, 1, "\(name): \(text)", file: file, line: line)
        return text
    }

    func testInspectExitsTwoWithOneLineOnRefusedFiles() throws {
        var files = try Self.regressionFiles()
        let bad = Self.root.appendingPathComponent("Fixtures/bad")
        for name in ["bad_json.h5", "empty.h5", "extlink.h5", "hostile_json.h5", "missing_model_weights.h5", "shape_mismatch.h5",
                     "softlink.h5", "symlink.keras", "text.h5", "traversal.keras", "truncated.h5", "zipbomb.keras"] {
            files.append(bad.appendingPathComponent(name))
        }
        for url in files where ["h5", "keras"].contains(url.pathExtension) {
            try Self.assertCLIRefuses(url)
        }
    }

    // MARK: Helpers

    static func allFiles(under dirs: [String]) -> [URL] {
        dirs.flatMap { d -> [URL] in
            let e = FileManager.default.enumerator(at: root.appendingPathComponent(d), includingPropertiesForKeys: nil)
            // Resources/contained crash libhdf5 itself: only ever opened through the CLI.
            return (e?.allObjects as? [URL] ?? []).filter { !$0.hasDirectoryPath && !$0.path.contains("/Resources/contained/") }
        }.sorted { $0.path < $1.path }
    }
}

private func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(v >> (8 * UInt64($0)) & 0xFF) } }
private func be32(_ v: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(v >> (8 * UInt32($0)) & 0xFF) } }

/// The CLI's second line of defence (`KerasFile.preflight`): a read that crashes or hangs in the
/// forked child becomes a one-line refusal in the parent. No known file crashes libhdf5 any more
/// (the regression files above used to), so the child's work is made to crash and hang here.
final class PreflightIsolationTests: XCTestCase {
    func testACrashInTheChildBecomesARefusal() {
        XCTAssertThrowsError(try KerasFile.isolated(file: "crash.h5", timeout: 20) { raise(SIGSEGV); return true }) { e in
            XCTAssertEqual((e as? KerasIOError)?.kind, .readerCrashed, "\(e)")
            XCTAssertTrue("\(e)".hasPrefix("crash.h5"), "\(e)")
        }
    }

    func testAHangInTheChildIsKilledAtTheTimeout() {
        let start = Date()
        XCTAssertThrowsError(try KerasFile.isolated(file: "hang.h5", timeout: 1) { while true { sleep(1) } }) { e in
            XCTAssertEqual((e as? KerasIOError)?.kind, .readerTimedOut, "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "the child was not killed")
    }

    /// Files that crash or corrupt libhdf5 1.10 itself in ways ConvScope does not check from outside
    /// (Resources/contained, found by `CONVSCOPE_FUZZ_IN_PROCESS=1 Fuzz/run.sh`; docs/reliability.md).
    /// Never opened in this process: only through `convscope`, whose preflight must contain them.
    func testTheCLIContainsFilesThatCrashLibHDF5() throws {
        let dir = RegressionTests.root.appendingPathComponent("Tests/Resources/contained")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertGreaterThanOrEqual(files.count, 3)
        var crashRefused = false
        for name in files {
            let text = try RegressionTests.assertCLIRefuses(dir.appendingPathComponent(name))
            if text.contains("the HDF5 library crashed reading this file") { crashRefused = true }
        }
        XCTAssertTrue(crashRefused, "no contained file made the preflight's child crash")
    }

    func testAChildThatFinishesLetsTheCallerGoOn() throws {
        try KerasFile.isolated(file: "fine.h5", timeout: 20) { true }
        try KerasFile.isolated(file: "invalid.h5", timeout: 20) { false }  // ordinary errors are the real read's to report
        try KerasFile.preflight(RegressionTests.root.appendingPathComponent("Fixtures/formats/tiny.keras3.h5").path)
    }
}
