import Commands
import Failure
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// Issue 16, quantized layers: the models of Fixtures/quantized (Dense, Embedding, EinsumDense quantized
/// by the pinned Keras to int8, int4 per channel and in groups, float8) read, counted, run and
/// differentiated as Keras does, dequantized on request, compared with their float source, exported
/// back bit for bit, and their hostile variants refused.
final class QuantizedModelTests: XCTestCase {
    static let folder = Fixture.root.appendingPathComponent("quantized")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// (model, mode, expected entry) for every file the generator wrote.
    func cases() throws -> [(String, String, JSON)] {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("expected.json"), encoding: .utf8)
        let models = try XCTUnwrap(try JSONParser().parse(text)["models"]?.objectValue)
        var out: [(String, String, JSON)] = []
        for (model, modes) in models.pairs {
            for (mode, entry) in modes.objectValue!.pairs where entry["file"] != nil { out.append((model, mode, entry)) }
        }
        return out
    }

    func run(_ file: String, input: String, dequantize: Bool = false) throws -> (LoadedModel, Tensor) {
        var m = try ModelLoader.load(Self.path(file), arch: nil, warn: false)
        if dequantize { m = try m.dequantized() }
        var context = ForwardContext(mode: .inference)
        let x = try NPY.read(Self.path(input))
        let pass = try m.graph.forward([x], context: &context)
        return (m, pass.values[m.graph.outputNodes[0]]!)
    }

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let scale = b.data.map { abs(Double($0)) }.max() ?? 0
        let diff = zip(a.data, b.data).map { abs(Double($0) - Double($1)) }.max() ?? 0
        return scale > 0 ? diff / scale : diff
    }

    func testForwardCountsAndPoliciesMatchKerasInEveryMode() throws {
        var checked = 0
        for (model, mode, entry) in try cases() {
            let (m, y) = try run(entry["file"]!.stringValue!, input: "\(model).in0.npy")
            let expected = try NPY.read(Self.path(entry["output"]!.stringValue!))
            XCTAssertEqual(y.shape, expected.shape, "\(model).\(mode)")
            let error = Self.relativeError(y, expected)
            XCTAssertLessThanOrEqual(error, 1e-4, "\(model).\(mode): max relative error against Keras' quantized forward")
            print(String(format: "quantized-forward %@.%@ max rel error %.2e", model, mode, error))
            XCTAssertEqual(m.model.parameterCount, entry["count_params"]!.intValue!, "\(model).\(mode): count_params")
            for (name, layer) in entry["layers"]!.objectValue!.pairs {
                let e = try XCTUnwrap(m.model.flattenedLayers.first { $0.name == name }?.layer, name)
                XCTAssertEqual(e.parameterCount, layer["count_params"]!.intValue!, "\(model).\(mode) \(name): count_params")
                let policy = (e as? any QuantizedLayer)?.quantization?.name ?? "float32"
                XCTAssertEqual(policy, layer["policy"]!.stringValue!, "\(model).\(mode) \(name): policy")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 18)
    }

    /// The float8 and bfloat16 roundings against TensorFlow's own casts (values within each format's range,
    /// as Keras clips before casting): exact.
    func testNumberFormatsRoundAsTensorFlowCasts() throws {
        let x = try NPY.read(Self.path("numbers.in.npy")).data
        let formats: [(String, QuantizedNumbers.Float8Format?)] = [("float8_e4m3fn", .e4m3fn), ("float8_e5m2", .e5m2), ("bfloat16", nil)]
        for (name, format) in formats {
            let expected = try NPY.read(Self.path("numbers.\(name).npy")).data
            var compared = 0
            for (v, e) in zip(x, expected) where format.map({ abs(v) <= $0.max }) ?? true {
                let mine = format?.round(v) ?? QuantizedNumbers.bfloat16RoundTrip(v)
                XCTAssertEqual(mine, e, "\(name) of \(v)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 500, name)
        }
    }

    /// Keras 3's legacy `.h5` of a quantized model (variables by name, trainable first) runs the same.
    func testLegacyH5OfAQuantizedModelMatchesKeras() throws {
        for mode in ["int8", "int4_g4"] {
            let (_, y) = try run("mlp.\(mode).h5", input: "mlp.in0.npy")
            XCTAssertLessThanOrEqual(Self.relativeError(y, try NPY.read(Self.path("mlp.\(mode).out.npy"))), 1e-4, mode)
        }
    }

    /// Keras' custom gradients: the input gradient multiplies by the dequantized kernel (float8: the
    /// upstream through float8_e5m2 first); weight gradients are refused with Keras' reason.
    func testInputGradientsMatchKerasAndTrainingIsRefused() throws {
        var checked = 0
        for (model, mode, entry) in try cases() {
            let gradPath = Self.path("\(model).\(mode).grad.npy")
            guard FileManager.default.fileExists(atPath: gradPath) else { continue }
            let m = try ModelLoader.load(Self.path(entry["file"]!.stringValue!), arch: nil, warn: false)
            var context = ForwardContext(mode: .inference)
            let x = try NPY.read(Self.path("\(model).in0.npy"))
            let pass = try m.graph.forward([x], record: true, context: &context)
            let seed = try NPY.read(Self.path("\(model).seed.npy"))
            let g = try m.graph.backward(seeds: [m.graph.outputNodes[0]: seed], pass: pass)
            let error = Self.relativeError(g.inputGradients[0], try NPY.read(gradPath))
            XCTAssertLessThanOrEqual(error, 1e-4, "\(model).\(mode): input gradient against Keras'")
            if mode != "float" {
                XCTAssertThrowsError(try m.graph.backward(seeds: [m.graph.outputNodes[0]: seed], pass: pass, weightGradients: true),
                                     "\(model).\(mode) trains") { e in
                    XCTAssertTrue("\(e)".contains("layer '") && ("\(e)".contains("not trainable") || "\(e)".contains("overwriting")), "\(e)")
                }
            }
            checked += 1
        }
        XCTAssertEqual(checked, 8, "mlp and einsum in float, int8, int4 and int4 in groups (Keras' float8 gradient runs only inside its own train step)")
    }

    /// `--dequantize` runs the float path: float8 with its stored float kernels gives the float model's
    /// output exactly; int4 in groups (no input quantizer) gives Keras' quantized output; int8 differs
    /// from Keras' quantized output only by the inputs it no longer quantizes.
    func testDequantizeRunsTheFloatPath() throws {
        for model in ["mlp", "embed", "einsum"] {
            let float = try NPY.read(Self.path("\(model).float.out.npy"))
            let (_, f8) = try run("\(model).float8_scaled.keras", input: "\(model).in0.npy", dequantize: true)
            XCTAssertLessThanOrEqual(Self.relativeError(f8, float), 1e-6, model)
            let (_, g4) = try run("\(model).int4_g4.keras", input: "\(model).in0.npy", dequantize: true)
            XCTAssertLessThanOrEqual(Self.relativeError(g4, try NPY.read(Self.path("\(model).int4_g4.out.npy"))), 1e-5, model)
        }
        XCTAssertThrowsError(try run("mlp.float.keras", input: "mlp.in0.npy", dequantize: true)) { e in
            XCTAssertTrue("\(e)".contains("no quantized layer"), "\(e)")
        }
    }

    func testDiffReportsQuantizationError() throws {
        let r = try WeightDiff.run(a: Self.path("mlp.float.keras"), b: Self.path("mlp.int8.keras"), arch: nil)
        XCTAssertEqual(r.layers.count, 2)
        for l in r.layers {
            let q = try XCTUnwrap(l.quantization, l.name)
            XCTAssertEqual(q.variable, "kernel")
            XCTAssertNil(q.policyA)
            XCTAssertEqual(q.policyB, "int8_from_float32")
            let rel = try XCTUnwrap(q.relativeL2)
            XCTAssertGreaterThan(rel, 0)
            XCTAssertLessThan(rel, 0.02, "int8 keeps the kernel within 2%")
            XCTAssertEqual(try XCTUnwrap(q.snrDB), -20 * log10(rel), accuracy: 1e-9)
            // The largest error of a per-column absmax int8 kernel is at most half a step: max|w| / 127 / 2 per column.
            XCTAssertGreaterThan(q.maxAbsError, 0)
        }
        // int4 loses more than int8, and a float model against itself has none.
        let r4 = try WeightDiff.run(a: Self.path("mlp.float.keras"), b: Self.path("mlp.int4.keras"), arch: nil)
        XCTAssertGreaterThan(r4.layers[0].quantization!.relativeL2!, r.layers[0].quantization!.relativeL2!)
        XCTAssertNil(try WeightDiff.run(a: Self.path("mlp.float.keras"), b: Self.path("mlp.float.keras"), arch: nil).layers[0].quantization)
        XCTAssertTrue(WeightDiff.render(r4).contains("SNR (dB)"))
    }

    func testInspectShowsPolicyStorageAndDequantizedStatistics() throws {
        let r = try Inspect.run(path: Self.path("mlp.int4_g4.keras"), arch: nil, weights: true, tree: false, expandNested: false)
        let q = try XCTUnwrap(r.quantized)
        XCTAssertEqual(q.map(\.layer), ["fc1", "fc2"])
        XCTAssertEqual(q[0].policy, "int4/4_from_float32")
        XCTAssertEqual(q[0].blockSize, 4)
        XCTAssertEqual(q[0].variables.map(\.name), ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"])
        XCTAssertEqual(q[0].variables[0].dtype, "int8")
        XCTAssertEqual(q[0].variables[0].bits, 4)
        XCTAssertEqual(q[0].variables[0].shape, [10, 5])
        XCTAssertEqual(q[0].countParams, 123)
        XCTAssertEqual(q[0].storageBytes, 50 + 36 + 108 + 27 + 40)
        XCTAssertEqual(q[0].float32Bytes, (10 * 9 + 9) * 4)
        let stats = try XCTUnwrap(r.dequantizedWeights)
        XCTAssertEqual(stats.map(\.name), ["kernel", "bias", "kernel", "bias"])
        XCTAssertEqual(stats[0].shape, [10, 9])
        XCTAssertNil(try Inspect.run(path: Self.path("mlp.float.keras"), arch: nil, weights: false, tree: false, expandNested: false).quantized)
    }

    /// `diff --json` and `inspect --json` of quantized models follow their schemas.
    func testJSONOutputFollowsTheSchemas() throws {
        let schemas = Repository.root.appendingPathComponent("Schemas")
        let diff = try SchemaValidator(schemaFile: schemas.appendingPathComponent("diff.schema.json"))
        let inspect = try SchemaValidator(schemaFile: schemas.appendingPathComponent("inspect.schema.json"))
        for mode in ["int8", "int4", "int4_g4", "float8"] {
            for model in ["mlp", "embed", "einsum"] {
                let d = try WeightDiff.run(a: Self.path("\(model).float.keras"), b: Self.path("\(model).\(mode).keras"), arch: nil)
                let dj = try JSONParser().parse(try JSONOutput.string(d))
                XCTAssertEqual(diff.validate(dj), [], "\(model).\(mode) diff")
                XCTAssertNotNil(dj["layers"]?.arrayValue?.compactMap { $0["quantization"]?["snr_db"] }.first, "\(model).\(mode)")
                let i = try Inspect.run(path: Self.path("\(model).\(mode).keras"), arch: nil, weights: true, tree: false, expandNested: false)
                let ij = try JSONParser().parse(try JSONOutput.string(i))
                XCTAssertEqual(inspect.validate(ij), [], "\(model).\(mode) inspect")
                XCTAssertNotNil(ij["quantized"]?.arrayValue?.first?["count_params"], "\(model).\(mode)")
            }
        }
    }

    /// A quantized model exports back quantized with every dataset bit-identical (values, dtype, shape),
    /// or dequantized on request; the pinned Keras loads both and gives ConvScope's outputs.
    func testExportRoundTripIsBitIdenticalAndKerasLoadsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-quantized-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        var manifest: [[String: Any]] = []
        for (model, mode, entry) in try cases() where mode != "float" {
            let source = Self.path(entry["file"]!.stringValue!)
            for dequantize in [false, true] {
                let out = dir.appendingPathComponent("\(model).\(mode)\(dequantize ? ".dequantized" : "").keras").path
                _ = try Export.run(path: source, arch: nil, format: .same, out: out, dequantize: dequantize)
                let written = try KerasFile.open(out)
                if !dequantize {
                    let original = try KerasFile.open(source)
                    XCTAssertEqual(written.storedWeights.weights.map(\.dtype), original.storedWeights.weights.map(\.dtype), out)
                    XCTAssertEqual(written.storedWeights.weights.map(\.shape), original.storedWeights.weights.map(\.shape), out)
                    for (a, b) in zip(written.model!.flattenedLayers, original.model!.flattenedLayers) {
                        XCTAssertEqual(a.layer?.weights.map(\.value.data), b.layer?.weights.map(\.value.data), "\(out) \(a.path)")
                    }
                } else {
                    XCTAssertTrue(written.model!.quantizedLayerPaths.isEmpty, out)
                    XCTAssertTrue(written.storedWeights.weights.allSatisfy { $0.dtype == "float32" }, out)
                }
                var context = ForwardContext(mode: .inference)
                let x = try NPY.read(Self.path("\(model).in0.npy"))
                let y = try written.model!.graph.forward([x], context: &context).values[written.model!.graph.outputNodes[0]]!
                let yPath = dir.appendingPathComponent("\(model).\(mode).\(dequantize).out.npy").path
                try NPY.write(y, to: yPath)
                manifest.append(["file": out, "kind": "model", "inputs": [Self.path("\(model).in0.npy")], "outputs": [yPath], "require": ["keras3"]])
            }
        }
        XCTAssertThrowsError(try Export.run(path: Self.path("mlp.int8.keras"), arch: nil, format: .format(.tfkerasH5),
                                            out: dir.appendingPathComponent("x.h5").path)) { e in
            XCTAssertTrue("\(e)".contains("quantized"), "\(e)")
        }
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the exports in the pinned Keras; source scripts/test-env.sh")
            return
        }
        let file = dir.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: ["cases": manifest]).write(to: file)
        let r = try ChildRun.run(URL(fileURLWithPath: python),
                                 [Repository.root.appendingPathComponent("Tests/keras_load_check.py").path, file.path],
                                 environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
        let output = r.output
        XCTAssertEqual(r.status, 0, output)
        XCTAssertTrue(output.contains("0 required checks failed"), output)
    }

    /// gptq/awq policies (which Keras 3.15.1 cannot load back itself) are refused with that reason.
    func testGPTQAndAWQAreRefusedWithTheReason() throws {
        for mode in ["gptq/4/4", "awq/4/128"] {
            let config = try JSONParser().parse(#"{"units": 3, "dtype": {"module": "keras.dtype_policies", "class_name": "GPTQDTypePolicy", "config": {"mode": "\#(mode)", "source_name": "float32"}}}"#)
            let layer = try LayerRegistry.make(className: "Dense", name: "d", config: config)
            XCTAssertThrowsError(try layer.build(inputShapes: [[6]])) { e in
                XCTAssertTrue("\(e)".contains("layer 'd'") && "\(e)".contains("load_model"), "\(e)")
            }
        }
    }

    /// Hostile variants: refused with exit code 2, naming the layer and the variable.
    func testHostileVariantsAreRefusedNamingLayerAndVariable() throws {
        let expectations: [(String, [String])] = [
            ("scale_shape.keras", ["fc1", "kernel_scale"]),
            ("int4_packed_size.keras", ["fc1", "kernel"]),
            ("kernel_dtype.keras", ["fc1", "kernel", "float32", "int8"]),
            ("g_idx_range.keras", ["fc1", "g_idx"]),
            ("unknown_mode.keras", ["fc1", "int3"]),
        ]
        for (file, words) in expectations {
            let path = Self.folder.appendingPathComponent("bad/\(file)").path
            do {
                let m = try ModelLoader.load(path, arch: nil, warn: false)
                var context = ForwardContext(mode: .inference)
                _ = try m.graph.forward([try NPY.read(Self.path("mlp.in0.npy"))], context: &context)
                XCTFail("\(file) was accepted")
            } catch let e as any ConvScopeFailure {
                XCTAssertEqual(e.exitCode, 2, file)
                for w in words { XCTAssertTrue(e.description.contains(w), "\(file): '\(e.description)' does not name \(w)") }
                XCTAssertFalse(e.description.contains("\n"), file)
            }
        }
    }
}
