import Commands
import Foundation
import KerasIO
import TestSupport
import XCTest

/// TF.js models converted by ConvScope and loaded by the real loaders: TF.js fixtures (quantized, sharded,
/// both model.json forms) written as Keras files that Keras 3 / tf-keras load, and quantized TF.js exports
/// that tensorflowjs' `load_keras_model` loads, each giving ConvScope's outputs.
extension ExportTests {
    func testKerasLoadsConversionsOfTFJSModels() throws {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the converted files in Keras; run scripts/test.sh (it sets CONVSCOPE_PYTHON to the pinned venv)")
            return
        }
        let dir = try tempDir()
        let tfjs = Fixture.root.appendingPathComponent("tfjs")
        var cases: [[String: Any]] = []
        let sources = ["cnn_uint8": ["cnn_uint8.in0.npy"], "nested_mixed": ["nested_mixed.in0.npy"],
                       "multi_jsform": ["multi_jsform.in0.npy", "multi_jsform.in1.npy"], "rnn": ["rnn.in0.npy"]]
        for (name, inputs) in sources.sorted(by: { $0.key < $1.key }) {
            let ins = inputs.map { tfjs.appendingPathComponent($0).path }
            let original = try KerasFile.open(tfjs.appendingPathComponent(name).path)
            let outs = try Self.writeOutputs(original.model!, inputs: ins, prefix: dir.appendingPathComponent(name).path)
            for (format, require) in [("keras", ["keras3"]), ("keras3-h5", ["keras3"]), ("tfkeras-h5", ["tf_keras"])] {
                let out = dir.appendingPathComponent("\(name).\(format == "keras" ? "keras" : "\(format).h5")").path
                _ = try Export.run(path: tfjs.appendingPathComponent(name).path, arch: nil, format: KerasFormatChoice(rawValue: format)!, out: out)
                cases.append(["file": out, "kind": "model", "inputs": ins, "outputs": outs, "require": require])
            }
            for q in TFJSQuantization.allCases {
                let out = dir.appendingPathComponent("\(name).\(q.rawValue).tfjs").path
                _ = try Export.run(path: tfjs.appendingPathComponent("\(name)").path, arch: nil, format: .format(.tfjs), out: out,
                                   tfjs: TFJSExportOptions(quantize: q, shardSize: 2048))
                // Expected: what ConvScope predicts from the quantized export it reads back.
                let back = try KerasFile.open(out)
                let qOuts = try Self.writeOutputs(back.model!, inputs: ins, prefix: out + ".convscope")
                cases.append(["file": out, "kind": "tfjs", "inputs": ins, "outputs": qOuts, "require": ["tf_keras"]])
            }
        }
        try Self.kerasLoadCheck(cases, python: python, dir: dir)
    }
}
