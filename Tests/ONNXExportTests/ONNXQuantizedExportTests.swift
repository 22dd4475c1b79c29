import Commands
import Foundation
import ONNXExport
import ONNXMessages
import TestSupport
import XCTest

/// Keras 3's quantized layers exported as their stored numbers through DequantizeLinear: every quantized
/// fixture (Dense, EinsumDense, Embedding × int8, int4, int4 in groups, float8) at opsets 17, 19 and 21
/// against Keras' quantized outputs (1e-4) in one onnxruntime process; float8 refused below opset 19.
final class ONNXQuantizedExportTests: XCTestCase {
    static let models = ["mlp", "embed", "einsum"]
    static let modes = ["int8", "int4", "int4_g4", "float8", "float8_scaled"]

    func testQuantizedFixturesMatchKerasAtEveryOpset() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-onnxq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var checks: [[String: Any]] = []
        for m in Self.models { for mode in Self.modes { for opset in [17, 19, 21] {
            let out = dir.appendingPathComponent("\(m).\(mode).\(opset).onnx").path
            let settings = ONNXExportSettings(opset: opset)
            if mode.hasPrefix("float8") && opset < 19 {
                XCTAssertThrowsError(try ExportONNX.run(path: Fixture.path("quantized/\(m).\(mode).keras"), arch: nil, out: out, settings: settings)) {
                    let e = "\($0)"
                    XCTAssertTrue(e.hasPrefix("layer '") && e.contains("float8") && e.contains("opset \(opset)"), e)
                    XCTAssertEqual(($0 as? ONNXExportError)?.kind, .unsupportedLayer)
                }
                XCTAssertFalse(FileManager.default.fileExists(atPath: out))
                continue
            }
            _ = try ExportONNX.run(path: Fixture.path("quantized/\(m).\(mode).keras"), arch: nil, out: out, settings: settings)
            // The kernels are stored quantized: int8 below opset 21, int4 nibbles from 21, float8e4m3fn; no float kernel.
            let proto = try ONNXModelProto(serializedBytes: Data(contentsOf: URL(fileURLWithPath: out)))
            let types = Set(proto.graph.initializer.map(\.dataType))
            let want: ONNXTensorProto.DataType = mode.hasPrefix("float8") ? .float8E4M3Fn : (mode.hasPrefix("int4") && opset >= 21 ? .int4 : .int8)
            XCTAssertTrue(types.contains(Int32(want.rawValue)), "\(out): initializer types \(types)")
            XCTAssertTrue(proto.graph.node.contains { $0.opType == "DequantizeLinear" }, out)
            checks.append(["onnx": out, "inputs": [Fixture.path("quantized/\(m).in0.npy")],
                           "expected": [Fixture.path("quantized/\(m).\(mode).out.npy")], "layout": "keras", "tolerance": 1e-4])
        } } }
        XCTAssertEqual(checks.count, 39)
        let results = try ONNXExportTests.onnxCheck(checks, dir: dir)
        XCTAssertEqual(results.count, checks.count)
        for r in results {
            XCTAssertEqual(r["ok"] as? Bool, true, "\(r["onnx"] ?? ""): \(r["error"] ?? "") relative \(r["max_relative"] ?? "-")")
        }
    }

    /// `--dequantize` writes the float form: no DequantizeLinear, Keras' outputs within the float8 rounding
    /// it removes (the float8 model keeps its stored float kernels, as Keras' float model).
    func testDequantizeWritesFloatForm() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-onnxq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("mlp.int8.float.onnx").path
        _ = try ExportONNX.run(path: Fixture.path("quantized/mlp.int8.keras"), arch: nil, out: out, settings: ONNXExportSettings(dequantize: true))
        let proto = try ONNXModelProto(serializedBytes: Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertFalse(proto.graph.node.contains { $0.opType == "DequantizeLinear" })
        XCTAssertTrue(proto.graph.initializer.allSatisfy { $0.dataType != Int32(ONNXTensorProto.DataType.int8.rawValue) })
    }
}
