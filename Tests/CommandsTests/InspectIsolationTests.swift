@testable import Commands
import Foundation
import Graph
import Imaging
@testable import Inspection
import Tensor
import KerasIO
import TestSupport
import XCTest

/// `inspect` reads a file's structure once, in a forked child, and reports exactly what an in-process read
/// reports (issue 24's inspect goal); the gptq/awq files Keras 3.15.1 writes are listed and refused to run with
/// the variable Keras leaves out (issue 16).
final class InspectIsolationTests: XCTestCase {
    static let files = ["formats/nested.keras3.h5", "formats/multi.tfkeras.h5", "formats/nested.keras3.keras", "formats/rnn.keras3.weights.h5",
                        "formats/big_names.keras224.h5", "keras2026/shard.weights.json", "keras2026/shard_dir", "keras2026/half.keras",
                        "keras2026/noversion.weights.h5", "keras2026/keras1-names.weights.h5", "quantized/mlp.int4_g4.keras",
                        "quantized/einsum.float8.keras", "formats16/gptq.keras", "formats16/grid.keras", "tfcontainers/birnn.savedmodel", "tfcontainers/birnn.ckpt", "tfjs/cnn"]

    func testIsolatedReadReportsWhatAnInProcessReadReports() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        for name in Self.files {
            let path = Fixture.path(name)
            guard FileManager.default.fileExists(atPath: path) else { XCTFail("missing fixture \(name)"); continue }
            for tree in [false, true] {
                let (isolated, isolatedStored) = try ModelInspection.metadata(path: path, tree: tree, expandNested: true)
                let (direct, directStored) = try ModelInspection.metadataInProcess(path: path, tree: tree, expandNested: true)
                XCTAssertEqual(String(decoding: try encoder.encode(isolated), as: UTF8.self), String(decoding: try encoder.encode(direct), as: UTF8.self), name)
                XCTAssertEqual(isolatedStored, directStored, name)
            }
        }
        // An ordinary error in the child is reported by the in-process read, with its own message.
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-not-keras-\(UUID().uuidString).h5")
        try Data("not an HDF5 file".utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        XCTAssertThrowsError(try Inspect.run(path: bad.path, arch: nil, weights: false, tree: false, expandNested: false)) { e in
            XCTAssertTrue("\(e)".contains(bad.lastPathComponent), "\(e)")
        }
    }

    /// The child hands back what it read through a pipe larger than the pipe's buffer without blocking.
    func testIsolatedOutputCarriesLargeResults() throws {
        let big = Data((0..<(3 << 20)).map { UInt8($0 & 0xFF) })
        XCTAssertEqual(try KerasFile.isolatedOutput(file: "big", timeout: 30) { big }, big)
        XCTAssertNil(try KerasFile.isolatedOutput(file: "failed", timeout: 30) { nil })
    }

    /// Keras 3.15.1 saves gptq/awq models without kernel_zero and cannot load them back (Fixtures/formats16/expected.json):
    /// inspect lists what is stored; running refuses naming the layer and the missing variable.
    func testGPTQAndAWQFilesKerasWritesAreListedAndRefusedToRun() throws {
        let expected = try JSONParser().parse(String(contentsOfFile: Fixture.path("formats16/expected.json"), encoding: .utf8))
        for mode in ["gptq", "awq"] {
            let e = try XCTUnwrap(expected[mode])
            XCTAssertTrue(e["keras_load"]?.stringValue?.contains("could not be loaded") == true, mode)
            let inMemory = try XCTUnwrap(e["in_memory"]?["up"]?.arrayValue).map { $0.arrayValue![0].stringValue! }
            let path = Fixture.path("formats16/\(mode).keras")
            let r = try Inspect.run(path: path, arch: nil, weights: false, tree: false, expandNested: true)
            XCTAssertEqual(r.storedWeights.count, try XCTUnwrap(e["stored"]?.arrayValue).count, mode)
            XCTAssertEqual(r.storedWeights.filter { $0.path.contains("sequential/layers/dense/") }.count, inMemory.count - 1, mode)
            let loaded = try ModelLoader.load(path, arch: nil, warn: false)
            var context = ForwardContext(mode: .inference)
            XCTAssertThrowsError(try loaded.graph.forward([try NPY.read(Fixture.path("formats16/calib.in0.npy"))], context: &context)) { err in
                let text = "\(err)"
                XCTAssertTrue(text.contains("'up'") && text.contains("kernel_zero") && inMemory.contains("kernel_zero")
                              && text.contains("\(inMemory.count - 1) of the \(inMemory.count) variables"), text)
            }
        }
    }

    /// Keras 3.15's nested container groups (sublayers in a list of lists, Fixtures/formats16/grid.keras): every
    /// variable listed at the path Keras stored it, and the layer's parameters counted as Keras counts them.
    func testNestedContainerGroupsAreListedAsKerasStoresThem() throws {
        let expected = try XCTUnwrap(try JSONParser().parse(String(contentsOfFile: Fixture.path("formats16/expected.json"), encoding: .utf8))["grid"])
        let r = try Inspect.run(path: Fixture.path("formats16/grid.keras"), arch: nil, weights: true, tree: false, expandNested: false)
        XCTAssertEqual(r.storedWeights.map(\.path), try XCTUnwrap(expected["stored"]?.arrayValue).map { $0.stringValue! })
        XCTAssertTrue(r.storedWeights.contains { $0.path.contains("/container_1/") })
        XCTAssertEqual(r.totalParams, expected["count_params"]?.intValue)
        XCTAssertEqual(r.weights?.count, r.storedWeights.count)
    }
}
