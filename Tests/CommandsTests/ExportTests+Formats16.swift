import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// Legacy .h5 exports of half-precision and quantized models (issue 16), loaded by the pinned Keras.
extension ExportTests {
    static func formats16(_ n: String) -> String { Fixture.path("formats16/" + n) }
    static func quantized(_ n: String) -> String { Fixture.path("quantized/" + n) }

    func testLegacyH5KeepsFloat16AndQuantizedLayersAsKerasLoadsThem() throws {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the exported files in Keras; source scripts/test-env.sh")
            return
        }
        let dir = try tempDir()
        let out = { (n: String) in dir.appendingPathComponent(n).path }
        var cases: [[String: Any]] = []
        // float16 stays float16 in Keras 3's legacy .h5 (as Keras' own model.save("x.h5") stores it), float32 on request.
        for (name, dtype) in [("f16.h5", ExportDtype.stored), ("f16-32.h5", .float32)] {
            _ = try Export.run(path: Self.formats16("f16.keras"), arch: nil, format: .format(.keras3H5), out: out(name), dtype: dtype)
            let written = try KerasFile.open(out(name))
            XCTAssertEqual(written.storedWeights.weights.map(\.dtype), Array(repeating: dtype == .stored ? "float16" : "float32", count: 4), name)
            cases.append(["file": out(name), "kind": "model", "inputs": [String](), "outputs": [String](),
                          "same_weights_as": Self.formats16("f16.keras"), "require": ["keras3"]])
        }
        // bfloat16 has no legacy .h5 form Keras reads back: refused naming the layer, written as float32 on request.
        XCTAssertThrowsError(try Export.run(path: Fixture.path("keras2026/half.keras"), arch: nil, format: .format(.keras3H5), out: out("h.h5"))) { e in
            XCTAssertTrue("\(e)".contains("'cb'") && "\(e)".contains("bfloat16") && "\(e)".contains("--dtype float32"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out("h.h5")))
        _ = try Export.run(path: Fixture.path("keras2026/half.keras"), arch: nil, format: .format(.keras3H5), out: out("h32.h5"), dtype: .float32)
        // int8 and int4 layers in Keras 3's .h5 exactly as Keras' own model.save("x.h5") writes them.
        for mode in ["int8", "int4_g4"] {
            let name = "mlp.\(mode).h5"
            _ = try Export.run(path: Self.quantized("mlp.\(mode).keras"), arch: nil, format: .format(.keras3H5), out: out(name))
            let ours = try KerasFile.open(out(name)).storedWeights.weights, keras = try KerasFile.open(Self.quantized(name)).storedWeights.weights
            XCTAssertEqual(ours.map(\.name), keras.map(\.name), name)
            XCTAssertEqual(ours.map(\.dtype), keras.map(\.dtype), name)
            XCTAssertEqual(ours.map(\.shape), keras.map(\.shape), name)
            let model = try XCTUnwrap(KerasFile.open(out(name)).model)
            let outs = try Self.writeOutputs(model, inputs: [Self.quantized("mlp.in0.npy")], prefix: out(name))
            let y = try NPY.read(outs[0]), expected = try NPY.read(Self.quantized("mlp.\(mode).out.npy"))
            XCTAssertLessThanOrEqual(QuantizedModelTests.relativeError(y, expected), 1e-4, name)
            cases.append(["file": out(name), "kind": "model", "inputs": [Self.quantized("mlp.in0.npy")], "outputs": outs, "require": ["keras3"]])
        }
        for (format, mode, reason) in [(KerasExportFormat.keras3H5, "float8", "cannot load back"), (.tfkerasH5, "int8", "tf-keras has no quantized layers")] {
            XCTAssertThrowsError(try Export.run(path: Self.quantized("mlp.\(mode).keras"), arch: nil, format: .format(format), out: out("q.h5"))) { e in
                XCTAssertTrue("\(e)".contains("'fc1'") && "\(e)".contains(reason) && "\(e)".contains("--dequantize"), "\(e)")
            }
        }
        try Self.kerasLoadCheck(cases, python: python, dir: dir)
    }
}
