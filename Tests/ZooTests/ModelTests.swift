import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest
import Zoo

final class ModelTests: XCTestCase {
    // MARK: small models against Keras, layer by layer

    /// conv_small and resnet_small: softmax outputs, logits and every layer's activation (item 0)
    /// equal Keras' within 1e-4 of the tensor's largest magnitude; parameter counts and layer order as Keras.
    func testSmallModelsMatchKerasLayerByLayer() throws {
        let expected = try Fixture.json("models/expected.json")
        for name in ["conv_small", "resnet_small"] {
            let info = expected[name]!
            let graph = try Fixture.graph("models/" + info["file"]!.stringValue!)
            let x = try Fixture.npy("models/" + info["input"]!.stringValue!)
            XCTAssertEqual(graph.parameterCount, info["total_params"]!.intValue, "\(name) total params")
            XCTAssertEqual(graph.trainableParameterCount, info["trainable_params"]!.intValue, "\(name) trainable params")
            XCTAssertEqual(graph.parameterCount - graph.trainableParameterCount, info["non_trainable_params"]!.intValue,
                           "\(name) non-trainable params")

            var ctx = ForwardContext()
            let pass = try graph.forward([x], targets: graph.nodes.map(\.id), context: &ctx)
            let out = pass.value(graph.outputNodes[0])!
            let outErr = Fixture.relativeError(out, try Fixture.npy("models/" + info["output"]!.stringValue!))
            XCTAssertEqual(out.shape, x.shape.prefix(1) + [out.shape.last!])
            XCTAssertLessThanOrEqual(outErr, 1e-4, "\(name) output")

            let logits = try graph.logitGraph().predict(x)
            let logitErr = Fixture.relativeError(logits, try Fixture.npy("models/" + info["logits"]!.stringValue!))
            XCTAssertLessThanOrEqual(logitErr, 1e-4, "\(name) logits")

            var worst = (0.0, "")
            var compared = 0
            let layers = info["layers"]!.arrayValue!
            for l in layers {
                let layerName = l["name"]!.stringValue!
                let node = try graph.resolve(layerName)
                XCTAssertEqual(node.outputShape, l["output_shape"]!.arrayValue!.map { $0.intValue! }, "\(name)/\(layerName) shape")
                guard let file = l["activation_file"]?.stringValue else { continue }
                let want = try Fixture.npy("models/" + file)
                let got = pass.value(node.id)!.item(0)
                XCTAssertEqual(got.count, want.count, "\(name)/\(layerName) size")
                guard got.count == want.count else { continue }
                let err = Fixture.relativeError(got, want)
                XCTAssertLessThanOrEqual(err, 1e-4, "\(name)/\(layerName) activation")
                if err > worst.0 { worst = (err, layerName) }
                compared += 1
            }
            let withActivations = layers.filter { !($0["activation_file"]?.isNull ?? true) }.count
            XCTAssertEqual(compared, withActivations)
            XCTAssertEqual(compared, graph.nodes.count - graph.inputNodes.count, "\(name): every non-input layer compared")
            // Same layers in the same order as model.layers (Sequential models list no InputLayer).
            let keras = layers.map { $0["name"]!.stringValue! }
            XCTAssertEqual(graph.nodes.map(\.name).filter { keras.contains($0) }, keras, "\(name) layer order")
            print(String(format: "model %@: output %.2e, logits %.2e, worst layer %.2e (%@) over %d layers",
                         name, outErr, logitErr, worst.0, worst.1, compared))
        }
    }

    /// The trained digits model on its 10 PNGs, loaded like keras.utils.load_img + img_to_array / 255.
    func testDemoPredictionsMatchKeras() throws {
        let expected = try Fixture.json("demo/expected.json")
        let graph = try Fixture.graph("demo/" + expected["model"]!.stringValue!)
        let images = expected["images"]!.arrayValue!
        XCTAssertEqual(images.count, 10)
        var worst = 0.0
        for entry in images {
            let img = try KerasImageLoading.load(Fixture.path("demo/" + entry["file"]!.stringValue!))
            let x = Preprocessing.scale.tensor(from: [img])
            XCTAssertEqual(x.shape, [1, 32, 32, 3])
            let p = try graph.predict(x)
            let want = Tensor(shape: [1, 10], data: entry["probabilities"]!.arrayValue!.map { Float($0.doubleValue!) })
            let err = Fixture.maxAbsDiff(p, want)
            worst = max(worst, err)
            XCTAssertLessThanOrEqual(err, 1e-4, "\(entry["file"]!.stringValue!) probabilities")
            let predicted = p.data.indices.max { p.data[$0] < p.data[$1] }!
            XCTAssertEqual(predicted, entry["predicted"]!.intValue, "\(entry["file"]!.stringValue!) predicted class")
        }
        print(String(format: "model digits_conv: max |p − p_keras| %.2e over 10 PNGs", worst))
    }

    // MARK: the paper's four models (Fixtures/cache)

    /// Every large file (full models, and weights-only files paired with the zoo) reproduces Keras'
    /// output within 1e-4 relative and has the paper's exact parameter counts.
    ///
    /// VGG16's and ResNet50's references (random weights on caffe-preprocessed noise) are saturated
    /// softmaxes — one class at 1.0, the rest ≤ 1e-14 — so against Keras they check little beyond the
    /// arg max. Both loading paths of each (full file; weights-only file + zoo) must therefore also agree
    /// on the pre-softmax logits, which catches a weight put in the wrong layer or a wrong layer order.
    func testLargeModelsMatchKeras() throws {
        // (label, architecture source, weights file, fixture stem, total, non-trainable)
        let cases: [(String, String?, String, String, Int, Int)] = [
            ("conv weights + zoo", "conv", "conv.weights.h5", "conv", 3_410_184, 0),
            ("vonc weights + zoo", "vonc", "vonc.weights.h5", "vonc", 1_791_144, 0),
            ("vgg16 full model", nil, "vgg16.keras3.h5", "vgg16", 138_357_544, 0),
            ("vgg16 keras3 weights + zoo", "vgg16", "vgg16.keras3.weights.h5", "vgg16", 138_357_544, 0),
            ("resnet50 full model", nil, "resnet50.keras3.h5", "resnet50", 25_636_712, 53_120),
            ("resnet50 tf-keras weights + zoo", "resnet50", "resnet50.tfkeras-weights.h5", "resnet50", 25_636_712, 53_120),
        ]
        var firstLogits: [String: (label: String, logits: Tensor)] = [:]
        for (label, arch, file, stem, total, frozen) in cases {
            guard let weights = Fixture.cached(file), let input = Fixture.cached(stem + ".in.npy"),
                  let output = Fixture.cached(stem + ".out.npy") else { continue }
            let graph: Graph
            if let arch {
                graph = try Zoo.graph(named: arch)
                let attachment = try KerasFile.attach(weightsFile: weights, to: graph)
                XCTAssertTrue(attachment.missing.isEmpty, "\(label): layers without weights \(attachment.missing)")
                XCTAssertTrue(attachment.unusedStored.isEmpty, "\(label): stored layers not used \(attachment.unusedStored)")
            } else {
                graph = try XCTUnwrap(KerasFile.open(weights).model?.graph, "\(label): no architecture")
            }
            XCTAssertEqual(graph.parameterCount, total, "\(label): parameters")
            XCTAssertEqual(graph.parameterCount - graph.trainableParameterCount, frozen, "\(label): non-trainable parameters")
            let start = Date()
            // One forward pass: the logits, then the softmax the model ends with.
            let logits = try graph.logitGraph().predict(try NPY.read(input))
            var y = logits
            Activation.softmaxLastAxis(&y)
            let seconds = Date().timeIntervalSince(start)
            let want = try NPY.read(output)
            XCTAssertEqual(y.shape, want.shape, "\(label): output shape")
            guard y.shape == want.shape else { continue }
            let err = Fixture.relativeError(y, want)
            XCTAssertLessThanOrEqual(err, 1e-4, "\(label): output")
            let argmax = { (t: Tensor) in t.data.indices.max { t.data[$0] < t.data[$1] }! }
            XCTAssertEqual(argmax(y), argmax(want), "\(label): top class")
            var line = String(format: "model %@: output max rel error %.2e (forward %.1f s)", label, err, seconds)
            if stem == "vgg16" || stem == "resnet50", let lf = Fixture.cached(stem + ".logits.npy") {
                // Keras' own pre-softmax logits: every class compared, not only the saturated arg max.
                let e = Fixture.relativeError(logits, try NPY.read(lf))
                XCTAssertLessThanOrEqual(e, 1e-4, "\(label): logits against Keras")
                line += String(format: "; logits vs Keras %.2e", e)
                // The inference plan (what predict runs: oneDNN, folded BatchNormalization, fused epilogues).
                let t0 = Date()
                let planned = try InferencePlan(graph: graph.logitGraph()).predict(try NPY.read(input))
                let pe = Fixture.relativeError(planned, try NPY.read(lf))
                XCTAssertLessThanOrEqual(pe, 1e-4, "\(label): inference plan's logits against Keras")
                line += String(format: "; plan vs Keras %.2e (%.1f s)", pe, Date().timeIntervalSince(t0))
            }
            if let first = firstLogits[stem] {
                let e = Fixture.relativeError(logits, first.logits)
                XCTAssertLessThanOrEqual(e, 1e-6, "\(label) vs \(first.label): logits")
                line += String(format: "; logits vs %@ %.2e", first.label, e)
            } else {
                firstLogits[stem] = (label, logits)
            }
            print(line)
        }
    }

    /// The zoo's ResNet50 lists its layers in the order Keras' model.layers does (Keras 3 weights-only
    /// files are matched by position, so the order is part of the format).
    func testZooResNet50LayerOrderMatchesKeras() throws {
        guard let file = Fixture.cached("resnet50.keras3.h5") else { return }
        let keras = try XCTUnwrap(KerasFile.open(file, loadValues: false).model)
        let kerasOrder = keras.flattenedLayers.map(\.name)
        let zoo = try Zoo.graph(named: "resnet50")
        let zooOrder = ModelEntry.entries(from: zoo).map(\.name)
        XCTAssertEqual(zooOrder.count, kerasOrder.count, "layer count")
        if let i = zooOrder.indices.first(where: { $0 < kerasOrder.count && zooOrder[$0] != kerasOrder[$0] }) {
            XCTFail("first difference at \(i): zoo \(zooOrder[i]) vs keras \(kerasOrder[i])")
        }
        let classes = zip(ModelEntry.entries(from: zoo).map(\.className), keras.flattenedLayers.map(\.className))
        XCTAssertTrue(classes.allSatisfy { $0 == $1 }, "layer classes in order")
        // The same for VGG16, for completeness.
        if let vggFile = Fixture.cached("vgg16.keras3.h5") {
            let vgg = try XCTUnwrap(KerasFile.open(vggFile, loadValues: false).model)
            XCTAssertEqual(ModelEntry.entries(from: try Zoo.graph(named: "vgg16")).map(\.name), vgg.flattenedLayers.map(\.name))
        }
    }
}
