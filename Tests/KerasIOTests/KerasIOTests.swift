import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// KerasIO against the fixtures Keras itself wrote (Fixtures/formats, Fixtures/bad).
final class KerasIOTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let formats = root.appendingPathComponent("Fixtures/formats")
    static let bad = root.appendingPathComponent("Fixtures/bad")

    static func loadJSON(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    lazy var expected: [String: [String: Any]] = {
        let e = try! Self.loadJSON(Self.formats.appendingPathComponent("expected.json"))
        return e["files"] as! [String: [String: Any]]
    }()
    lazy var reference: [String: [String: [String: Any]]] = {
        try! Self.loadJSON(Self.root.appendingPathComponent("Fixtures/kerasio/reference.json")) as! [String: [String: [String: Any]]]
    }()

    func path(_ name: String) -> String { Self.formats.appendingPathComponent(name).path }

    static let generationOf: [String: KerasGeneration] = [
        "tfkeras": .tfkeras, "tfkeras-weights": .tfkeras, "keras3-h5": .keras3H5, "keras3-weights": .keras3Weights,
        "keras3-keras": .keras3Keras, "keras2": .keras2, "keras1": .keras1,
    ]

    // MARK: Every generation

    func testEveryFormatFileMatchesKeras() throws {
        XCTAssertGreaterThan(expected.count, 20)
        for (name, e) in expected.sorted(by: { $0.key < $1.key }) {
            let f: KerasModelFile
            do { f = try KerasFile.open(path(name)) } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            let gen = e["generation"] as! String
            XCTAssertEqual(f.generation, Self.generationOf[gen], name)
            XCTAssertEqual(f.kerasVersion, e["keras_version"] as? String, name)
            XCTAssertEqual(f.isFullModel, e["full_model"] as? Bool, name)
            XCTAssertEqual(f.hasOptimizerState, e["has_optimizer_weights"] as? Bool, name)
            if let b = e["backend"] as? String { XCTAssertEqual(f.backend, b, name) }
            XCTAssertEqual(f.storedWeights.parameterCount, e["stored_param_count"] as? Int, name)
            checkStoredWeights(f, e, name)
            if let model = f.model {
                checkModel(model, f, e, name)
            } else {
                XCTAssertFalse(f.isFullModel, name)
            }
        }
    }

    func checkStoredWeights(_ f: KerasModelFile, _ e: [String: Any], _ name: String) {
        if let ws = e["weights"] as? [[String: Any]] {
            let got = f.storedWeights.weights
            XCTAssertEqual(got.count, ws.count, name)
            for (g, w) in zip(got, ws) {
                XCTAssertEqual(g.layer, w["layer"] as? String, name)
                XCTAssertEqual(g.name, w["name"] as? String, name)
                XCTAssertEqual(g.shape, w["shape"] as? [Int], "\(name) \(g.name)")
            }
        }
        if let ws = e["stored_weights"] as? [[String: Any]] {
            let byPath = Dictionary(uniqueKeysWithValues: f.storedWeights.weights.map { ($0.path, $0) })
            XCTAssertEqual(byPath.count, ws.count, name)
            for w in ws {
                let p = w["path"] as! String
                XCTAssertEqual(byPath[p]?.shape, w["shape"] as? [Int], "\(name) \(p)")
                // Sub-objects (an LSTM's cell) carry their own name; ConvScope files them under the layer.
                if let n = w["layer_name_attr"] as? String, p.split(separator: "/").dropLast(2).last != "cell" { XCTAssertEqual(byPath[p]?.layer.split(separator: "/").last.map(String.init), n, "\(name) \(p)") }
            }
        }
    }

    func checkModel(_ model: KerasModel, _ f: KerasModelFile, _ e: [String: Any], _ name: String) {
        let s = ModelSummary(model)
        XCTAssertEqual(s.totalParams, e["total_params"] as? Int, name)
        XCTAssertEqual(s.trainableParams, e["trainable_params"] as? Int, name)
        XCTAssertEqual(s.nonTrainableParams, e["non_trainable_params"] as? Int, name)
        let layers = e["layers"] as! [[String: Any]]
        XCTAssertEqual(s.layers.map(\.name), layers.map { $0["name"] as! String }, name)
        for (row, l) in zip(s.layers, layers) {
            let what = "\(name) layer \(row.name)"
            XCTAssertEqual(row.className, l["class_name"] as? String, what)
            XCTAssertEqual(row.params, l["params"] as? Int, what)
            if f.generation != .keras1 { XCTAssertEqual(row.inbound, l["inbound"] as? [String], what) }
            XCTAssertEqual(row.calls, l["calls"] as? Int, what)
            // Unknown shapes are allowed (opaque layers); known ones must be Keras' shapes.
            if let shape = row.outputShapes.first ?? nil, let want = l["output_shape"] as? [Int] {
                XCTAssertEqual(shape, want, what)
            }
        }
        // Weights attached: every variable came from the dataset h5py reads, with the same values.
        guard let ref = reference[name], let att = f.attachment else { return }
        var compared = 0
        for entry in model.flattenedLayers {
            guard let layer = entry.layer, let sources = att.sources[entry.path] else { continue }
            XCTAssertEqual(sources.count, layer.weights.count, "\(name) \(entry.path)")
            for (v, src) in zip(layer.weights, sources) {
                guard let r = ref[src] else { XCTFail("\(name): no reference for \(src)"); continue }
                if f.generation == .keras1, case .convolution = layer.role, v.name == "kernel" {
                    // Read into the (kh, kw, in, out) cross-correlation layout: the same values, moved and flipped
                    // (testTheanoKernelConversion checks them one by one).
                    XCTAssertEqual(v.value.count, (r["shape"] as! [Int]).reduce(1, *), "\(name) \(src)")
                    XCTAssertEqual(v.value.sum(), r["sum"] as! Double, accuracy: 1e-3, "\(name) \(src)")
                    compared += 1
                    continue
                }
                XCTAssertEqual(v.value.shape, r["shape"] as? [Int], "\(name) \(src)")
                let first = r["first"] as! [Double]
                for (a, b) in zip(v.value.data.prefix(4), first) { XCTAssertEqual(Double(a), b, accuracy: 1e-6, "\(name) \(src)") }
                XCTAssertEqual(v.value.sum(), r["sum"] as! Double, accuracy: 1e-3, "\(name) \(src)")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 0, name)
    }

    // MARK: Details

    func testGenerationDetails() throws {
        let opt = try KerasFile.open(path("tiny.tfkeras-optimizer.h5"))
        XCTAssertTrue(opt.hasOptimizerState)
        // Adam m and v for 3,306 trainable parameters plus the int64 iteration counter.
        XCTAssertEqual(opt.optimizerStateBytes, 2 * 3306 * 4 + 8)
        XCTAssertEqual(opt.training?.optimizer, "Adam")
        XCTAssertEqual(opt.training?.learningRate ?? 0, 0.001, accuracy: 1e-9)
        XCTAssertEqual(opt.training?.loss, "categorical_crossentropy")

        let k2 = try KerasFile.open(path("tiny.keras224.h5"))
        XCTAssertEqual(k2.generation, .keras2)
        XCTAssertEqual(k2.training?.optimizer, "Adam")
        XCTAssertEqual(k2.training?.learningRate ?? 0, 0.001, accuracy: 1e-6)
        XCTAssertEqual(k2.model?.graph.node(named: "conv1_input")?.outputShape, [16, 16, 3])

        let th = try KerasFile.open(path("tiny.keras1-theano.h5"))
        XCTAssertEqual(th.generation, .keras1)
        XCTAssertEqual(th.backend, "theano")
        XCTAssertEqual(th.kernelOrientation, .theanoKeras1)
        let s = ModelSummary(th.model!)
        XCTAssertTrue(s.layers.allSatisfy(\.runnable), "Keras 1 configs read as the Keras 2 configs of the same layers")
        XCTAssertEqual(s.layers.first { $0.name == "convolution2d_1" }!.outputShapes.first!, [4, 16, 16])

        let k3 = try KerasFile.open(path("tiny.keras3.keras"))
        XCTAssertEqual(k3.archiveEntries, ["metadata.json", "config.json", "model.weights.h5"])
        XCTAssertFalse(k3.hasOptimizerState)
    }

    func testTheanoKernelConversion() throws {
        // Keras 1 kernel = TF kernel transposed to (out, in, kh, kw) and flipped: read back, it is the TF kernel.
        let th = try KerasFile.open(path("tiny.keras1-theano.h5"))
        let tf = try KerasFile.open(path("tiny.keras3.h5"))
        for (k1, k3) in [("convolution2d_1", "conv1"), ("convolution2d_2", "conv2")] {
            let got = th.model!.graph.node(named: k1)!.layer.weights[0].value
            let want = tf.model!.graph.node(named: k3)!.layer.weights[0].value
            XCTAssertEqual(got.shape, want.shape)
            for (a, b) in zip(got.data, want.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            // The stored (out, in, kh, kw) flipped kernel, converted by the one Theano conversion, is the same.
            XCTAssertEqual(TheanoKernels.toTensorFlow(permuteAxes(got, [3, 2, 0, 1]).flippedForTest()).data, got.data)
        }
        // The Keras 1 Theano model computes Keras' tiny outputs on the (N, 3, 16, 16) transposed inputs.
        let x = try NPY.read(path("tiny.in0.npy"))                                   // (N, 16, 16, 3)
        var ctx = ForwardContext()
        let y = try th.model!.graph.forward([channelsFirst(x)], context: &ctx).values[th.model!.graph.outputNodes[0]]!
        XCTAssertLessThanOrEqual(Fixture.relativeError(y, try NPY.read(path("tiny.out0.npy"))), 1e-4)
        XCTAssertTrue(th.notes.contains { $0.contains("spatially flipped") })
    }

    /// Keras 1.2 files of Fixtures/keras1 (Convolution1D/2D/3D, AtrousConvolution1D/2D, Keras 1 pooling, SimpleRNN/
    /// LSTM/GRU per-gate and consume_less=gpu weights, the functional Merge in every mode, a Sequential merging branch
    /// models, Deconvolution2D; Theano
    /// and TensorFlow backends, dim_ordering th and tf): every layer runs, with Keras' outputs on the same input.
    func testKeras1ConvolutionsAndPoolingMatchKeras() throws {
        let dir = Self.formats.deletingLastPathComponent().appendingPathComponent("keras1")
        let cases = try XCTUnwrap(try JSONParser().parse(String(contentsOf: dir.appendingPathComponent("cases.json"), encoding: .utf8)).arrayValue)
        var classes = Set<String>()
        XCTAssertTrue(cases.contains { $0["file"]?.stringValue == "k1_branch_merge.h5" })
        for c in cases {
            let name = c["file"]!.stringValue!
            let f = try KerasFile.open(dir.appendingPathComponent(name).path)
            XCTAssertEqual(f.generation, .keras1, name)
            XCTAssertEqual(f.kernelOrientation, c["backend"]?.stringValue == "theano" ? .theanoKeras1 : .tensorflow, name)
            let model = try XCTUnwrap(f.model, name)
            let summary = ModelSummary(model)
            XCTAssertTrue(summary.layers.allSatisfy(\.runnable), name)
            classes.formUnion(summary.layers.map(\.className))
            XCTAssertFalse(f.notes.contains { $0.hasPrefix("warning") }, "\(name): \(f.notes)")
            // several inputs (a Sequential merging branch models) under `inputs`
            let xs = try (c["inputs"]?.arrayValue ?? [c["input"]!]).map { try NPY.read(dir.appendingPathComponent($0.stringValue!).path) }
            XCTAssertEqual(model.graph.inputNodes.count, xs.count, name)
            var ctx = ForwardContext()
            let y = try model.graph.forward(xs, context: &ctx).values[model.graph.outputNodes[0]]!
            XCTAssertLessThanOrEqual(Fixture.relativeError(y, try NPY.read(dir.appendingPathComponent(c["output"]!.stringValue!).path)), 1e-4, name)
        }
        XCTAssertTrue(classes.isSuperset(of: ["Convolution1D", "AtrousConvolution1D", "Convolution2D", "AtrousConvolution2D",
                                              "Convolution3D", "MaxPooling1D", "AveragePooling2D", "MaxPooling3D",
                                              "SimpleRNN", "LSTM", "GRU", "Merge", "Deconvolution2D"]), "\(classes)")
        // Keras 1 settings with no Keras 2 equivalent are refused naming the layer and the setting.
        XCTAssertThrowsError(try LayerRegistry.config(fromKeras1: JSONObject([("nb_filter", 2), ("nb_row", 3), ("nb_col", 3), ("border_mode", "full")]),
                                                      className: "Convolution2D", layer: "c")) { XCTAssertTrue("\($0)".contains("'c'") && "\($0)".contains("full"), "\($0)") }
        XCTAssertThrowsError(try LayerRegistry.config(fromKeras1: JSONObject([("mode", 2)]), className: "BatchNormalization", layer: "bn")) {
            XCTAssertTrue("\($0)".contains("'bn'") && "\($0)".contains("mode 2"), "\($0)")
        }
        for (config, says) in [(JSONObject([("mode", "lambda"), ("mode_type", "lambda")]), "Python function"),
                               (JSONObject([("mode", "sum"), ("layers", [])]), "Sequential branch"),   // anywhere but first in a Sequential
                               (JSONObject([("mode", "hypot")]), "\"hypot\"")] {
            XCTAssertThrowsError(try LayerRegistry.keras1Layer(className: "Merge", config: config, layer: "m")) {
                XCTAssertTrue("\($0)".contains("'m'") && "\($0)".contains(says), "\($0)")
            }
        }
        // Deconvolution2D: its output_shape becomes output_padding (null for Keras 2's own size); one no padding gives is refused
        let deconv = JSONObject([("nb_filter", 2), ("nb_row", 4), ("nb_col", 3), ("subsample", [2, 2]), ("border_mode", "same"), ("dim_ordering", "tf")])
        func deconvWith(_ shape: JSON) throws -> JSONObject {
            var c = deconv
            c["output_shape"] = shape
            let modern = try LayerRegistry.keras1Layer(className: "Deconvolution2D", config: c, layer: "d")
            XCTAssertEqual(modern.className, "Conv2DTranspose")
            return modern.config
        }
        XCTAssertEqual(try deconvWith([nil, 8, 10, 2])["output_padding"], .null)
        XCTAssertEqual(try deconvWith([nil, 7, 9, 2])["output_padding"], [1, 0])
        for (shape, says) in [(JSON.null, "output_shape null"), ([nil, 8, 9, 2], "not below subsample"), ([nil, 0, 9, 2], "positive")] {
            XCTAssertThrowsError(try deconvWith(shape)) { XCTAssertTrue("\($0)".contains("'d'") && "\($0)".contains(says), "\($0)") }
        }
        XCTAssertThrowsError(try LayerRegistry.config(fromKeras1: JSONObject([("output_dim", 3), ("consume_less", "tpu")]), className: "LSTM", layer: "r")) {
            XCTAssertTrue("\($0)".contains("'r'") && "\($0)".contains("consume_less"), "\($0)")
        }
    }

    /// A Keras 1 file's weights attached to its architecture read elsewhere (`--arch` with a weights file): the
    /// per-gate recurrent matrices and (out, in, …) kernels are read in the Keras 1 layout there too.
    func testKeras1WeightsAttachToAnArchitecture() throws {
        let dir = Self.formats.deletingLastPathComponent().appendingPathComponent("keras1")
        for name in ["k1_lstm_gru", "k1_rnn_gpu", "k1_atrous_th"] {
            let path = dir.appendingPathComponent("\(name).h5").path
            let model = try XCTUnwrap(try KerasFile.open(path).model, name)
            for layer in model.graph.layers { layer.weights = layer.weights.map { var w = $0; w.value = Tensor(zeros: w.value.shape); return w } }
            try KerasFile.attach(weightsFile: path, to: model)
            var ctx = ForwardContext()
            let x = try NPY.read(dir.appendingPathComponent("\(name).in.npy").path)
            let y = try XCTUnwrap(try model.graph.forward([x], context: &ctx).values[model.graph.outputNodes[0]], name)
            XCTAssertLessThanOrEqual(Fixture.relativeError(y, try NPY.read(dir.appendingPathComponent("\(name).out.npy").path)), 1e-4, name)
        }
    }

    func testBigNamesSplitAttribute() throws {
        let f = try KerasFile.open(path("big_names.keras224.h5"))
        let e = expected["big_names.keras224.h5"]!
        XCTAssertEqual((e["layer_names_attributes"] as? [String])?.count, 2)  // really split
        XCTAssertFalse(f.isFullModel)
        XCTAssertEqual(f.storedWeights.layerNames.count, e["layer_count"] as? Int)
        XCTAssertEqual(f.storedWeights.parameterCount, e["stored_param_count"] as? Int)
        XCTAssertEqual(f.storedWeights.weights.map(\.name), (e["weights"] as! [[String: Any]]).map { $0["name"] as! String })
    }

    func testNestedExpansion() throws {
        for file in ["nested.tfkeras.h5", "nested.keras3.h5", "nested.keras3.keras"] {
            let f = try KerasFile.open(path(file))
            let m = try XCTUnwrap(f.model)
            XCTAssertNotNil(m.graph.node(named: "backbone/bb_conv"), file)
            let s = ModelSummary(m, expandNested: true)
            let bb = try XCTUnwrap(s.layers.first { $0.name == "backbone" })
            XCTAssertEqual(bb.children?.map(\.name), ["bb_input", "bb_conv", "bb_bn", "bb_relu", "bb_dw", "bb_sep", "bb_gap"], file)
            XCTAssertEqual(bb.params, 544, file)
            XCTAssertEqual(bb.children?.first { $0.name == "bb_sep" }?.params, 72 + 128 + 16, file)
            XCTAssertNil(ModelSummary(m).layers.first { $0.name == "backbone" }?.children)
            let data = try JSONEncoder().encode(s)
            XCTAssertEqual(try JSONDecoder().decode(ModelSummary.self, from: data), s)
        }
    }

    func testSharedLayerAndLambda() throws {
        let m = try XCTUnwrap(KerasFile.open(path("multi.keras3.keras")).model)
        XCTAssertNotNil(m.graph.node(named: "shared_conv"))
        XCTAssertNotNil(m.graph.node(named: "shared_conv:1"))
        XCTAssertEqual(m.graph.inputNodes.count, 2)
        XCTAssertEqual(m.graph.outputNodes.count, 2)
        for file in ["lambda.tfkeras.h5", "lambda.keras3.h5", "lambda.keras3.keras"] {
            let l = try XCTUnwrap(KerasFile.open(path(file)).model)
            let node = try XCTUnwrap(l.graph.node(named: "double"))
            XCTAssertFalse(node.layer.isRunnable)
            XCTAssertTrue(l.notes.contains { $0.contains("Lambda") && $0.contains("code") }, file)
            XCTAssertThrowsError(try l.graph.checkRunnable())
        }
    }

    func testAttachWeightsOnlyFiles() throws {
        // Legacy weights-only file onto an architecture from elsewhere: by name.
        let arch = try XCTUnwrap(KerasFile.open(path("tiny.keras224.h5"), loadValues: false).model)
        XCTAssertEqual(arch.graph.node(named: "conv1")!.layer.weights[0].value.sum(), 0)
        let r = try KerasFile.attach(weightsFile: path("tiny.tfkeras-weights.h5"), to: arch.graph)
        XCTAssertEqual(Set(r.assigned), ["conv1", "bn1", "conv2", "fc"])
        let want = reference["tiny.tfkeras-weights.h5"]!["conv1/conv1/kernel:0"]!["sum"] as! Double
        XCTAssertEqual(arch.graph.node(named: "conv1")!.layer.weights[0].value.sum(), want, accuracy: 1e-4)
        // Keras 3 weights file: by order and class.
        let arch3 = try XCTUnwrap(KerasFile.open(path("nested.keras3.keras"), loadValues: false).model)
        let r3 = try KerasFile.attach(weightsFile: path("nested.keras3.weights.h5"), to: arch3)
        XCTAssertTrue(r3.assigned.contains("backbone/bb_sep"))
        let sep = reference["nested.keras3.weights.h5"]!["layers/functional/layers/separable_conv2d/vars/1"]!["sum"] as! Double
        XCTAssertEqual(arch3.graph.node(named: "backbone/bb_sep")!.layer.weights[1].value.sum(), sep, accuracy: 1e-4)
        // Wrong architecture: a clear error naming the file.
        let other = try XCTUnwrap(KerasFile.open(path("multi.keras3.h5"), loadValues: false).model)
        XCTAssertThrowsError(try KerasFile.attach(weightsFile: path("tiny.keras3.weights.h5"), to: other)) { e in
            XCTAssertTrue("\(e)".contains("tiny.keras3.weights.h5"), "\(e)")
        }
    }

    // MARK: Bad input

    func testBadFilesGiveOneLineErrorsNamingTheFile() throws {
        let cases = try Self.loadJSON(Self.bad.appendingPathComponent("cases.json"))
        XCTAssertGreaterThan(cases.count, 10)
        for name in cases.keys.sorted() {
            let p = Self.bad.appendingPathComponent(name).path
            if name == "unknown_class.h5" {
                // Not an error: the unknown class is listed, opaque, with its (empty) weights.
                let f = try KerasFile.open(p)
                let row = try XCTUnwrap(ModelSummary(f.model!).layers.first { $0.className == "FancyLayer" })
                XCTAssertFalse(row.runnable)
                continue
            }
            if name == "unknown_setting.h5" || name == "wrong_type.h5" {
                // Not errors when opened: a warning, or a layer listed as not runnable (CLITests runs both).
                let f = try KerasFile.open(p)
                XCTAssertTrue(f.notes.contains { $0.contains("conv1") }, "\(name): \(f.notes)")
                continue
            }
            XCTAssertThrowsError(try KerasFile.open(p), name) { e in
                guard let k = e as? KerasIOError else { return XCTFail("\(name): not a KerasIOError: \(e)") }
                XCTAssertTrue(k.description.contains(p), "\(name): \(k)")
                XCTAssertFalse(k.description.contains("\n"), name)
            }
        }
        let specific: [(String, String)] = [
            ("softlink.h5", "soft link"), ("extlink.h5", "external link"), ("shape_mismatch.h5", "(3, 3, 4, 4)"),
            ("shape_mismatch.h5", "conv1"), ("missing_model_weights.h5", "model_weights"), ("traversal.keras", ".."),
            ("symlink.keras", "symbolic link"), ("zipbomb.keras", "107374182400"), ("hostile_json.h5", "deeper"),
            ("empty.h5", "empty"),
        ]
        for (file, text) in specific {
            XCTAssertThrowsError(try KerasFile.open(Self.bad.appendingPathComponent(file).path)) { e in
                XCTAssertTrue("\(e)".contains(text), "\(file): \(e)")
            }
        }
        XCTAssertThrowsError(try KerasFile.open(Self.bad.path)) { e in XCTAssertTrue("\(e)".contains("directory"), "\(e)") }
        XCTAssertThrowsError(try KerasFile.open(Self.bad.appendingPathComponent("nope.h5").path))
    }

    func testHostileConfigs() throws {
        let p = ModelConfigParser(file: "x.h5")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try p.parse(text: deep)) { e in XCTAssertTrue("\(e)".hasPrefix("x.h5: model_config:"), "\(e)") }
        XCTAssertThrowsError(try p.parse(text: #"{"class_name": "Functional", "config": {"layers": [], "input_layers": [["a", 0, 0]], "output_layers": [["a", 0, 0]]}}"#))
        // A cycle of inbound nodes never resolves: an error, not a hang.
        let cyc = #"""
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
          {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 2}, "inbound_nodes": [[["b", 0, 0, {}]]]},
          {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 2}, "inbound_nodes": [[["a", 0, 0, {}]]]}],
          "input_layers": [["in", 0, 0]], "output_layers": [["b", 0, 0]]}}
        """#
        XCTAssertThrowsError(try p.parse(text: cyc)) { e in XCTAssertTrue("\(e)".contains("never produced"), "\(e)") }
    }

    func testSequentialForms() throws {
        // Keras 2.2.4 list form, no InputLayer: one is made from batch_input_shape, named like Keras.
        let list = #"{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d1", "units": 3, "batch_input_shape": [null, 5]}}, {"class_name": "Dense", "config": {"name": "d2", "units": 2}}]}"#
        let m = try ModelConfigParser(file: "x").parse(text: list)
        XCTAssertEqual(m.graph.nodes.map(\.name), ["d1_input", "d1", "d2"])
        XCTAssertEqual(m.layers.map(\.name), ["d1", "d2"])
        XCTAssertEqual(m.parameterCount, 18 + 8)
        // Keras 3 wrapped form with module/registered_name.
        let k3 = #"{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5], "name": "inp"}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 3}, "registered_name": null}]}, "registered_name": null}"#
        let m3 = try ModelConfigParser(file: "x").parse(text: k3)
        XCTAssertEqual(m3.graph.nodes.map(\.name), ["inp", "d"])
        XCTAssertEqual(ModelSummary(m3).layers.map(\.name), ["d"])
    }

    /// A registered kind whose config is refused is listed opaque; `UnrunnableKinds.shapePreserving` still
    /// knows its output shape, so the layers after it keep theirs (why registered kinds stay in that list).
    func testRefusedRegisteredKindKeepsTheShapesAfterIt() throws {
        for cls in ["Dropout", "SpatialDropout1D"] {  // SpatialDropout1D was missing from the list
            let text = #"{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d1", "units": 3, "batch_input_shape": [null, 4, 5]}}, "#
                + #"{"class_name": "\#(cls)", "config": {"name": "drop", "rate": 2}}, {"class_name": "Dense", "config": {"name": "d2", "units": 2}}]}"#
            let m = try ModelConfigParser(file: "x").parse(text: text)
            XCTAssertTrue(m.layers[1].layer is OpaqueLayer, cls)
            XCTAssertTrue(m.notes.contains { $0.contains("'drop'") && $0.contains("cannot run") }, "\(cls): \(m.notes)")
            XCTAssertEqual(m.graph.nodes.last?.outputShape, [4, 2], cls)
            XCTAssertEqual(m.parameterCount, 18 + 8, cls)
        }
    }

    func testKeras3KeyNames() {
        XCTAssertEqual(KerasNaming.keys(forClassNames: ["Conv2D", "BatchNormalization", "Conv2D", "ReLU", "Dense", "Functional", "InputLayer", "GlobalAveragePooling2D", "DepthwiseConv2D"]),
                       ["conv2d", "batch_normalization", "conv2d_1", "re_lu", "dense", "functional", "input_layer", "global_average_pooling2d", "depthwise_conv2d"])
    }
}

private extension Tensor {
    /// A (out, in, kh, kw) kernel flipped along kh and kw (what Theano stored).
    func flippedForTest() -> Tensor {
        let (o, i, h, w) = (shape[0], shape[1], shape[2], shape[3])
        var out = self
        for a in 0..<o { for b in 0..<i { for y in 0..<h { for x in 0..<w {
            out.data[((a * i + b) * h + y) * w + x] = data[((a * i + b) * h + (h - 1 - y)) * w + (w - 1 - x)]
        } } } }
        return out
    }
}
