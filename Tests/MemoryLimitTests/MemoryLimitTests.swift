import Foundation
import HDF5
import Tensor
import Imaging
@testable import KerasIO
import MemoryLimit
import TestSupport
import XCTest

/// The process-wide memory limit: size syntax, the default, and every reader refusing a declaration
/// over a lowered limit (through its default `byteLimit:`) while accepting one exactly at it.
final class MemoryLimitTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let resources: URL = Repository.resources

    func resource(_ path: String) -> String { Self.resources.appendingPathComponent(path).path }
    func fixture(_ path: String) -> String { Self.root.appendingPathComponent("Fixtures/\(path)").path }

    /// Runs `body` with the process-wide limit at `bytes`, restoring it afterwards (tests share one process).
    func withLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
        let saved = MemoryLimit.bytes
        MemoryLimit.bytes = bytes
        defer { MemoryLimit.bytes = saved }
        return try body()
    }

    /// Asserts `body` throws a one-line error that names the limit option and contains every fragment.
    func assertRefused(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            for f in fragments + ["over the memory limit of", "(--max-memory)"] {
                XCTAssertTrue(text.contains(f), "'\(f)' missing from: \(text)", file: file, line: line)
            }
        }
    }

    // MARK: Sizes

    func testParsesHumanSizesInPowersOf1024() throws {
        let cases: [(String, Int)] = [
            ("1048576", 1_048_576), ("100B", 100), ("1K", 1024), ("1kib", 1024), ("512M", 512 << 20), ("800MB", 800 << 20),
            ("2G", 2 << 30), ("2gb", 2 << 30), ("1.5GiB", 3 << 29), (" 2 G ", 2 << 30), ("0.5K", 512), ("3T", 3 << 40),
        ]
        for (text, bytes) in cases { XCTAssertEqual(try MemorySize.parse(text), bytes, text) }
    }

    func testRefusesZeroNegativeOverflowingAndGarbageSizes() {
        let cases: [(String, String)] = [
            ("0", "not a positive size"), ("-1G", "not a positive size"), ("0.0M", "not a positive size"),
            ("garbage", "is not a size"), ("", "is not a size"), ("1e9", "is not a size"), ("1.5.2G", "is not a size"),
            ("5X", "is not a size"), ("G", "is not a size"), ("0.1", "less than one byte"),
            ("9999999T", "larger than this machine can address"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try MemorySize.parse(text), text) { e in
                XCTAssertTrue("\(e)".contains("'\(text)'") && "\(e)".contains(reason), "\(text): \(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
    }

    func testFormatsInTheLargestBinaryUnit() throws {
        let cases: [(Int, String)] = [
            (1, "1 byte"), (1000, "1000 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"), (600 << 10, "600 KiB"),
            (1 << 30, "1 GiB"), (3 << 29, "1.5 GiB"), ((1 << 20) - 1, "1 MiB"), (Int.max, "8 EiB"),
        ]
        for (bytes, text) in cases { XCTAssertEqual(MemorySize.format(bytes), text, "\(bytes)") }
        for bytes in [1024, 512 << 20, 3 << 30, 5 << 40] { XCTAssertEqual(try MemorySize.parse(MemorySize.format(bytes)), bytes) }
    }

    func testDefaultIsHalfThePhysicalMemory() throws {
        XCTAssertEqual(MemoryLimit.defaultBytes, PhysicalMemory.bytes / 2)
        XCTAssertEqual(MemoryLimit.bytes, MemoryLimit.defaultBytes, "a test left the process-wide limit changed")
        #if os(Linux)
        // The kernel's own figure: MemTotal in /proc/meminfo (kB) and sysconf's pages come from the same count.
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try XCTUnwrap(meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        let kB = try XCTUnwrap(Int(line.split(separator: " ")[1]))
        XCTAssertEqual(Double(PhysicalMemory.bytes), Double(kB * 1024), accuracy: 64 * 1024 * 1024)
        #endif
    }

    func testRefusalNamesTheDeclarationAndTheLimit() {
        withLimit(1000) {
            XCTAssertNil(MemoryLimit.refusal("x", declares: 1000))
            XCTAssertEqual(MemoryLimit.refusal("tensor", declares: 1001, detail: "as float32"),
                           "tensor declares 1001 bytes (as float32), over the memory limit of 1000 bytes (--max-memory)")
            XCTAssertEqual(MemoryLimit.refusal("tensor", declares: 3 << 29),
                           "tensor declares 1610612736 bytes (1.5 GiB), over the memory limit of 1000 bytes (--max-memory)")
            XCTAssertEqual(MemoryLimit.refusal("shape", declares: nil),
                           "shape declares more than \(Int.max) bytes, over the memory limit of 1000 bytes (--max-memory)")
            // A caller's own limit is not the option's.
            XCTAssertEqual(MemoryLimit.refusal("tensor", declares: 11, limit: 10),
                           "tensor declares 11 bytes, over the memory limit of 10 bytes")
        }
    }

    // MARK: Readers under a lowered limit

    func testPNGIsRefusedFromItsHeaderOverTheLimit() throws {
        // rgb.png is 23 x 17 RGB: 1173 samples, 5 bytes each while decoding = 5865 bytes.
        let png = resource("imaging/rgb.png")
        assertRefused(["rgb.png", "image of 23x17x3 samples declares 5865 bytes"]) { try withLimit(5864) { _ = try ImageFile.load(png) } }
        XCTAssertEqual(try withLimit(5865) { try ImageFile.load(png) }.width, 23)
        // The file is read whole, so its length is checked before reading it.
        let length = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: png)[.size] as? Int)
        assertRefused(["rgb.png", "file is \(length) bytes"]) { try withLimit(length - 1) { _ = try ImageFile.load(png) } }
        // A bomb's header (60000 x 60000 RGBA, no data) is refused as too large, not as truncated: nothing was read past IHDR.
        var bomb: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bomb += bigEndian(60000) + bigEndian(60000) + [8, 6, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertThrowsError(try withLimit(1 << 30) { try PNGCodec.decode(Data(bomb)) }) { e in
            XCTAssertEqual((e as? ImagingError)?.kind, .tooLarge, "\(e)")
            XCTAssertTrue("\(e)".contains("image of 60000x60000x4 samples declares 72000000000 bytes"), "\(e)")
        }
    }

    func testJPEGIsRefusedFromItsHeaderOverTheLimit() throws {
        // baseline.jpg is 23 x 17 RGB: 5865 bytes decoded.
        let jpeg = resource("imaging/baseline.jpg")
        assertRefused(["baseline.jpg", "image of 23x17x3 samples declares 5865 bytes"]) { try withLimit(5864) { _ = try ImageFile.load(jpeg) } }
        XCTAssertEqual(try withLimit(5865) { try ImageFile.load(jpeg) }.height, 17)
        // The same file with its frame header saying 60000 x 60000: refused before libjpeg decompresses.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: jpeg)))
        let sof = try XCTUnwrap((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: bigEndian16(60000) + bigEndian16(60000))
        assertRefused(["image of 60000x60000x3 samples"]) { try withLimit(1 << 30) { _ = try JPEGCodec.decode(Data(bytes)) } }
    }

    func testNPYIsRefusedOverTheLimit() throws {
        // tiny.in0.npy: float32 (2, 16, 16, 3) = 1536 values, 4 bytes read + 4 as float32 each = 12288 bytes; the file is 6272.
        let npy = fixture("formats/tiny.in0.npy")
        assertRefused(["tiny.in0.npy", ".npy array of shape [2, 16, 16, 3]", "declares 12288 bytes"]) {
            try withLimit(12287) { _ = try NPY.read(npy) }
        }
        assertRefused(["tiny.in0.npy", "file is 6272 bytes"]) { try withLimit(6271) { _ = try NPY.read(npy) } }
        XCTAssertEqual(try withLimit(12288) { try NPY.read(npy) }.shape, [2, 16, 16, 3])
    }

    func testCIFARBatchIsRefusedOverTheLimit() throws {
        // Two records: 6146 bytes in the file + 2 x 3072 floats (24576 bytes) = 30722.
        var data = Data(count: 2 * CIFAR10.recordSize)
        data[CIFAR10.recordSize] = 7
        assertRefused(["CIFAR-10 batch of 2 records declares 30722 bytes"]) { try withLimit(30721) { _ = try CIFAR10.decode(data) } }
        XCTAssertEqual(try withLimit(30722) { try CIFAR10.decode(data) }.labels, [0, 7])
    }

    func testHDF5DatasetReadIsRefusedOverTheLimit() throws {
        let path = resource("hdf5/numeric.h5")
        let rows = try H5File.open(path).root.dataset("rows")   // 10 x 4 float32
        assertRefused([path, "dataset of 40 elements declares 160 bytes"]) { try withLimit(159) { _ = try rows.readFloats() } }
        assertRefused([path, "dataset of 40 elements declares 320 bytes"]) { try withLimit(319) { _ = try rows.readDoubles() } }
        assertRefused([path, "block of 2 rows (8 elements) declares 32 bytes"]) { try withLimit(31) { _ = try rows.readRows(start: 0, count: 2) } }
        XCTAssertEqual(try withLimit(160) { try rows.readFloats() }.count, 40)
    }

    func testKerasZipEntryIsRefusedOverTheLimit() throws {
        let keras = fixture("formats/tiny.keras3.keras")
        let archive = try KerasArchive(file: keras)
        let declared = Int(try XCTUnwrap(archive.entries["model.weights.h5"]).uncompressedSize)
        assertRefused(["tiny.keras3.keras", "zip entry 'model.weights.h5' declares \(declared) bytes"]) {
            try withLimit(declared - 1) { _ = try KerasFile.open(keras, loadValues: false) }
        }
        XCTAssertNoThrow(try withLimit(declared) { try KerasFile.open(keras, loadValues: false) })
    }

    func testModelWeightsAreRefusedTogetherBeforeAnyValueIsRead() throws {
        let model = fixture("demo/digits_conv.h5")
        let values = try KerasFile.open(model, loadValues: false).storedWeights.parameterCount
        XCTAssertEqual(values, 148_442)
        // Every single weight fits under the limit; only their sum does not.
        assertRefused(["digits_conv.h5", "the weights declare 593768 bytes", "148442 values in 12 arrays as float32"]) {
            try withLimit(4 * values - 1) { _ = try KerasFile.open(model) }
        }
        // Without values (inspect's structure read) nothing is refused.
        XCTAssertNoThrow(try withLimit(4 * values - 1) { try KerasFile.open(model, loadValues: false) })
        XCTAssertNotNil(try withLimit(4 * values) { try KerasFile.open(model) }.model)
    }

    func testAConfigDeclaringAHugeLayerIsRefusedBeforeItsPlaceholderIsAllocated() throws {
        let file = try H5File.open(fixture("formats/tiny.keras3.h5"))
        guard case .string(let text) = try file.root.attribute("model_config") else { return XCTFail("no model_config") }
        let huge = text.replacingOccurrences(of: #""units": \d+"#, with: "\"units\": 1000000000000", options: .regularExpression)
        XCTAssertNotEqual(huge, text)
        // Listed (inspect still works), with the reason; refused when run.
        let model = try ModelConfigParser(file: "huge").parse(text: huge)
        let note = try XCTUnwrap(model.notes.first { $0.contains("cannot run") }, "\(model.notes)")
        for fragment in ["layer 'fc' (Dense) cannot run", "weight 'kernel' of shape", "1000000000000]", "over the memory limit"] {
            XCTAssertTrue(note.contains(fragment), note)
        }
        assertRefused(["weight 'kernel' of shape"]) { _ = try model.graph.predict(Tensor(zeros: [1, 16, 16, 3])) }
    }

    func testActivationsOverTheLimitAreRefusedBeforeTheForwardPass() throws {
        let model = try XCTUnwrap(KerasFile.open(fixture("formats/tiny.keras3.h5")).model)
        let input = Tensor(zeros: [1, 16, 16, 3])
        // conv1's output: 1 × 16 × 16 × 4 floats = 4096 bytes.
        assertRefused(["the output of layer 'conv1', of shape [1, 16, 16, 4],", "declares 4096 bytes"]) {
            try withLimit(4095) { _ = try model.graph.predict(input) }
        }
        XCTAssertNoThrow(try withLimit(4096) { try model.graph.predict(input) })
    }

    func testWeightsAttachedToAnArchitectureAreRefusedTogether() throws {
        // The --arch path: a weights-only file attached to an architecture built elsewhere.
        let weights = fixture("formats/tiny.tfkeras-weights.h5")
        let bytes = 4 * (try KerasFile.open(weights, loadValues: false).storedWeights.parameterCount)
        let arch = try XCTUnwrap(KerasFile.open(fixture("formats/tiny.keras224.h5"), loadValues: false).model)
        assertRefused(["tiny.tfkeras-weights.h5", "the weights declare \(bytes) bytes"]) {
            try withLimit(bytes - 1) { _ = try KerasFile.attach(weightsFile: weights, to: arch.graph) }
        }
        XCTAssertEqual(arch.graph.node(named: "conv1")!.layer.weights[0].value.sum(), 0, "refused before any value was read")
        XCTAssertFalse(try withLimit(bytes) { try KerasFile.attach(weightsFile: weights, to: arch.graph) }.assigned.isEmpty)
    }

    private func bigEndian(_ v: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(v >> (8 * UInt32($0)) & 0xFF) } }
    private func bigEndian16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
}
