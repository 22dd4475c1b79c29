import Commands
import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
import XCTest

/// Issue 15, "Inputs of any shape": non-image models (Fixtures/inputs, written by Fixtures/py/inputs.py) through the
/// library calls and the binary, against Keras' outputs.
extension CLITests {
    var inputs: URL { fixtures.appendingPathComponent("inputs") }
    func input(_ name: String) -> String { inputs.appendingPathComponent(name).path }

    /// The values of one output of every item of a predict report, stacked as (items, output shape…).
    func stacked(_ r: PredictReport, output k: Int) throws -> Tensor {
        let outs = try r.items.map { try XCTUnwrap($0.outputs?[k]) }
        return Tensor(shape: [outs.count] + outs[0].shape, data: outs.flatMap { $0.values.map(Float.init) })
    }

    func testPredictOnNonImageModelsMatchesKeras() throws {
        let regressor = try ModelLoader.load(input("mlp_regressor.keras"), arch: nil)
        XCTAssertFalse(Predict.isClassifier(regressor.graph))
        // A batch, float32; one item without its batch axis, float64; integers (uint8): Keras' outputs within 1e-4.
        let r = try Predict.run(model: regressor, inputs: [input("x784.npy")], options: ImageOptions(), top: 5, batch: 2)
        XCTAssertEqual(r.preprocessing, "none")
        XCTAssertEqual(r.items.map(\.input), (0..<3).map { input("x784.npy") + "[\($0)]" })
        XCTAssertLessThan(Fixture.relativeError(try stacked(r, output: 0), try NPY.read(input("mlp_regressor.value.npy"))), 1e-4)
        let one = try Predict.run(model: regressor, inputs: [input("x784_one.npy")], options: ImageOptions(), top: 5, batch: 8)
        XCTAssertEqual(one.items.map(\.input), [input("x784_one.npy")])
        XCTAssertLessThan(Fixture.relativeError(try stacked(one, output: 0), try NPY.read(input("mlp_regressor.value.npy")).item(0)), 1e-4)
        let u8 = try Predict.run(model: regressor, inputs: [input("x784_u8.npy")], options: ImageOptions(), top: 5, batch: 8)
        XCTAssertLessThan(Fixture.relativeError(try stacked(u8, output: 0), try NPY.read(input("mlp_regressor.value.u8.npy"))), 1e-4)

        // A Dense-only classifier on 784 inputs keeps the top-K form, with Keras' probabilities.
        let classifier = try ModelLoader.load(input("mlp_classifier.keras"), arch: nil)
        XCTAssertTrue(Predict.isClassifier(classifier.graph))
        let c = try Predict.run(model: classifier, inputs: [input("x784.npy")], options: ImageOptions(), top: 10, batch: 8)
        let keras = try NPY.read(input("mlp_classifier.probs.npy"))
        for (i, item) in c.items.enumerated() {
            let top = try XCTUnwrap(item.top)
            XCTAssertNil(item.outputs)
            XCTAssertEqual(top.count, 10)
            for g in top { XCTAssertEqual(g.probability, Double(keras.data[i * 10 + g.classIndex]), accuracy: 1e-4 * Double(keras.max)) }
        }
    }

    func testPredictTakesNamedInputsAndReportsEveryOutput() throws {
        let model = try ModelLoader.load(input("two_io.keras"), arch: nil)
        XCTAssertFalse(Predict.isClassifier(model.graph), "two outputs: not a classifier")
        let named = [NamedInput(name: "grid", path: input("grid.npy")), NamedInput(name: "numbers", path: input("numbers.npy"))]
        let r = try Predict.run(model: model, inputs: [], named: named, options: ImageOptions(), top: 5, batch: 1)
        XCTAssertEqual(r.items.count, 2)
        XCTAssertEqual(r.items[0].outputs?.map(\.name), ["scores", "offset"])
        XCTAssertEqual(r.items[0].outputs?.map(\.shape), [[5], [2, 3]])
        XCTAssertLessThan(Fixture.relativeError(try stacked(r, output: 0), try NPY.read(input("two_io.scores.npy"))), 1e-4)
        XCTAssertLessThan(Fixture.relativeError(try stacked(r, output: 1), try NPY.read(input("two_io.offset.npy"))), 1e-4)

        // An image model with two inputs (Fixtures/formats' multi, both writers): .npy per named input, Keras' outputs.
        for file in ["multi.tfkeras.h5", "multi.keras3.keras"] {
            let multi = try ModelLoader.load(fixtures.appendingPathComponent("formats/\(file)").path, arch: nil)
            let both = try Predict.run(model: multi, inputs: [], named: ["in_a", "in_b"].enumerated().map {
                NamedInput(name: $1, path: fixtures.appendingPathComponent("formats/multi.in\($0).npy").path)
            }, options: ImageOptions(), top: 5, batch: 8)
            for k in 0..<2 {
                let keras = try NPY.read(fixtures.appendingPathComponent("formats/multi.out\(k).npy").path)
                XCTAssertLessThan(Fixture.relativeError(try stacked(both, output: k), keras), 1e-4, "\(file) output \(k)")
            }
        }

        // Through the binary: the outputs form of Schemas/predict.schema.json, with the same values.
        let json = try assertSchema("predict", ["predict", input("two_io.keras"), "--input", "numbers=" + input("numbers.npy"),
                                                "--input", "grid=" + input("grid.npy")])
        let offsets = try XCTUnwrap(json["items"]?.arrayValue).flatMap { item in
            (item["outputs"]?.arrayValue?[1]["values"]?.arrayValue ?? []).compactMap { $0.doubleValue.map(Float.init) }
        }
        XCTAssertLessThan(Fixture.relativeError(Tensor(shape: [2, 2, 3], data: offsets), try NPY.read(input("two_io.offset.npy"))), 1e-4)
        let text = try convscope(["predict", input("mlp_regressor.keras"), input("x784_one.npy")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix(input("x784_one.npy") + ":\n  value (3): ["), text.stdout)
        try assertSchema("predict", ["predict", input("mlp_classifier.keras"), input("x784_u8.npy"), "--top", "2"])
        // Long outputs are abbreviated in text: the first 8 and the last 3 values around the count left out.
        let long = PredictReport(model: "m", preprocessing: "none", items: [.init(input: "x.npy", outputs: [
            .init(name: "seq", shape: [4, 5], values: (0..<20).map(Double.init))])])
        XCTAssertEqual(Predict.render(long), "x.npy:\n  seq (4, 5): [0, 1, 2, 3, 4, 5, 6, 7, … (9 more) …, 17, 18, 19]")

        // Missing, unknown and repeated names, a mixed form, or a misfit shape: one line naming the inputs, exit 2.
        let n = "numbers=" + input("numbers.npy"), g = "grid=" + input("grid.npy")
        let refusals: [([String], String)] = [
            ([input("numbers.npy")], "has 2 inputs (numbers, grid)"),
            (["--input", n], "no --input for grid (inputs: numbers, grid)"),
            (["--input", n, "--input", g, "--input", "extra=" + input("grid.npy")], "no input 'extra' (inputs: numbers, grid)"),
            (["--input", n, "--input", n, "--input", g], "--input numbers is given twice (inputs: numbers, grid)"),
            (["--input", "numbers=" + input("grid.npy"), "--input", g], "expected (8) or (batch, 8)"),
            ([input("numbers.npy"), "--input", g], "not both"),
            (["--input", "=x.npy"], "--input"),
        ]
        for (args, needle) in refusals {
            let run = try convscope(["predict", input("two_io.keras")] + args)
            XCTAssertEqual(run.status, 2, args.joined(separator: " "))
            XCTAssertTrue(run.stderr.contains(needle), "\(args.joined(separator: " ")): \(run.stderr)")
            XCTAssertEqual(run.stdout, "")
        }
    }

    func testActivationsOfNestedLayersOfNamedInputModels() throws {
        let dir = try temporaryFolder()
        let model = try ModelLoader.load(input("two_io.keras"), arch: nil)
        let named = [NamedInput(name: "numbers", path: input("numbers.npy")), NamedInput(name: "grid", path: input("grid.npy"))]
        let r = try Activations.run(model: model, input: nil, named: named, options: ImageOptions(), layer: "block/inner",
                                    out: dir.appendingPathComponent("a").path, png: false)
        XCTAssertEqual(r.shape, [2, 16])
        XCTAssertLessThan(Fixture.relativeError(try NPY.read(r.npy), try NPY.read(input("two_io.block_inner.npy"))), 1e-4)
        // Every layer of the model answers, input layers and outputs included.
        for node in model.graph.nodes {
            let a = try Activations.run(model: model, input: nil, named: named, options: ImageOptions(), layer: node.name,
                                        out: dir.appendingPathComponent("every").path, png: false)
            XCTAssertEqual(Array(a.shape.dropFirst()), node.outputShape, node.name)
        }
        let cli = try assertSchema("activations", ["activations", input("mlp_regressor.keras"), input("x784_one.npy"), "--layer", "elu",
                                                   "--out", dir.appendingPathComponent("b").path])
        XCTAssertEqual(cli["shape"]?.arrayValue?.compactMap(\.intValue), [1, 16])
    }

    func testSaliencyAndMaximizeOnNonImageModels() throws {
        let dir = try temporaryFolder()
        let model = try ModelLoader.load(input("mlp_classifier.keras"), arch: nil)
        let r = try Saliency.run(model: model, input: input("x784_one.npy"), options: ImageOptions(), classIndex: 7, method: .gradient,
                                 layer: nil, overlay: false, out: dir.appendingPathComponent("s.png").path)
        let g = try NPY.read(r.npy)
        XCTAssertEqual(g.shape, [1, 784])
        // |d logit_7 / d x| by central differences (a ReLU network is linear between kinks; float32, so loose).
        let logits = try model.graph.logitGraph()
        let x = try NPY.read(input("x784_one.npy")).reshaped([1, 784])
        for i in [0, 100, 400, 783] {
            var plus = x, minus = x
            plus.data[i] += 1e-2
            minus.data[i] -= 1e-2
            let fd = (Double(try logits.predict(plus).data[7]) - Double(try logits.predict(minus).data[7])) / 2e-2
            XCTAssertEqual(Double(g.data[i]), abs(fd), accuracy: 1e-2 * max(1, abs(fd)), "element \(i)")
        }
        // Grad-CAM and DeconvNet need an image: one line, exit 2.
        for (args, needle) in [(["saliency", input("mlp_classifier.keras"), input("x784_one.npy"), "--method", "gradcam"], "Grad-CAM needs"),
                               (["deconv", input("mlp_classifier.keras"), input("x784_one.npy")], "DeconvNet needs"),
                               (["maximize", input("mlp_classifier.keras"), "--class", "1", "--method", "regularized"], "use --method paper")] {
            let run = try convscope(args + ["--out", dir.appendingPathComponent("refused").path])
            XCTAssertEqual(run.status, 2, args.joined(separator: " "))
            XCTAssertTrue(run.stderr.contains(needle), run.stderr)
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        }
        try assertSchema("saliency", ["saliency", input("mlp_classifier.keras"), input("x784_one.npy"), "--method", "guided",
                                      "--out", dir.appendingPathComponent("g").path])
        // Algorithm 1 ascends any input: the class score rises.
        let m = try assertSchema("maximize", ["maximize", input("mlp_classifier.keras"), "--class", "3", "--steps", "4",
                                              "--init", input("x784_one.npy"), "--out", dir.appendingPathComponent("m.png").path])
        let objectives = try XCTUnwrap(m["runs"]?.arrayValue?.first?["objectives"]?.arrayValue).compactMap(\.doubleValue)
        XCTAssertEqual(objectives.count, 4)
        XCTAssertGreaterThan(objectives.last!, objectives.first!)
    }

    func testSaliencyOfEveryInputOfANamedInputModel() throws {
        let dir = try temporaryFolder()
        let model = try ModelLoader.load(input("two_io.keras"), arch: nil)
        // One item per input (the fixtures hold two): each file without its batch axis.
        let numbers = try NPY.read(input("numbers.npy")).item(0), grid = try NPY.read(input("grid.npy")).item(0)
        let n1 = dir.appendingPathComponent("n1.npy").path, g1 = dir.appendingPathComponent("g1.npy").path
        try NPY.write(numbers.reshaped([8]), to: n1)
        try NPY.write(grid.reshaped([4, 3]), to: g1)
        let r = try Saliency.run(model: model, input: nil, named: [NamedInput(name: "numbers", path: n1), NamedInput(name: "grid", path: g1)],
                                 options: ImageOptions(), classIndex: 2, method: .gradient, layer: nil, overlay: false,
                                 out: dir.appendingPathComponent("s").path)
        XCTAssertEqual(r.inputs?.map(\.name), ["numbers", "grid"])
        XCTAssertEqual(r.png, r.inputs?.first?.png)
        // The score is the pre-softmax one (the final Softmax layer skipped): its softmax is Keras' output.
        let logits = try model.graph.logitGraph()
        var ctx = ForwardContext()
        let z = try logits.forward([numbers, grid], context: &ctx).values[logits.outputNodes[0]]!.data.map(Double.init)
        XCTAssertEqual(r.score, z[2], accuracy: 1e-5 * max(1, abs(z[2])))
        let e = z.map { Foundation.exp($0 - z.max()!) }
        let keras = try NPY.read(input("two_io.scores.npy")).item(0).data
        for k in 0..<5 { XCTAssertEqual(e[k] / e.reduce(0, +), Double(keras[k]), accuracy: 1e-4) }
        // Each map is |d logit_2 / d input| in its input's shape: central differences (ReLU network, so loose).
        func logit(_ a: Tensor, _ b: Tensor) throws -> Double {
            var ctx = ForwardContext()
            return Double(try logits.forward([a, b], context: &ctx).values[logits.outputNodes[0]]!.data[2])
        }
        let maps = try (r.inputs ?? []).map { try NPY.read($0.npy) }
        XCTAssertEqual(maps.map(\.shape), [[1, 8], [1, 4, 3]])
        for (k, i) in [(0, 0), (0, 5), (1, 0), (1, 11)] {
            var plus = [numbers, grid], minus = [numbers, grid]
            plus[k].data[i] += 1e-2
            minus[k].data[i] -= 1e-2
            let fd = (try logit(plus[0], plus[1]) - logit(minus[0], minus[1])) / 2e-2
            XCTAssertEqual(Double(maps[k].data[i]), abs(fd), accuracy: 1e-2 * max(1, abs(fd)), "input \(k) element \(i)")
        }
        try assertSchema("saliency", ["saliency", input("two_io.keras"), "--input", "numbers=" + n1, "--input", "grid=" + g1,
                                      "--out", dir.appendingPathComponent("cli").path])
        let batch = try convscope(["saliency", input("two_io.keras"), "--input", "numbers=" + input("numbers.npy"), "--input", "grid=" + input("grid.npy")])
        XCTAssertEqual(batch.status, 2)
        XCTAssertTrue(batch.stderr.contains("one item"), batch.stderr)
    }
}
