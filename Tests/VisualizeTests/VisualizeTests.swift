import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import Visualize
import XCTest

final class VisualizeTests: XCTestCase {
    /// Models of Fixtures/models, loaded once per test (they are small).
    private var graphs: [String: Graph] = [:]

    private func model(_ name: String) throws -> Graph {
        if let g = graphs[name] { return g }
        let g = try Fixture.graph("models/\(name).keras3.h5")
        graphs[name] = g
        return g
    }

    /// Item 0 of a model's reference input, shape (1, 32, 32, 3).
    private func input(_ name: String) throws -> Tensor { try Fixture.npy("models/\(name).in.npy").item(0) }

    /// Asserts that `body` throws an error whose description contains every fragment.
    private func assertThrows(_ what: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("\(what): no error", file: file, line: line)
        } catch {
            let text = String(describing: error)
            for f in fragments { XCTAssertTrue(text.contains(f), "\(what): '\(text)' does not mention '\(f)'", file: file, line: line) }
        }
    }

    // MARK: projections and saliency against Keras

    /// Every case of Fixtures/gradients/cases.json: the gradient of Σ_positions layer[0, …, channel]
    /// w.r.t. the input under the three rules (FeatureProjector with the `.ones` seed, which is exactly
    /// that objective's gradient at the layer), and the logit saliency (SaliencyMapper).
    func testProjectionsAndSaliencyMatchKeras() throws {
        let cases = try Fixture.json("gradients/cases.json").arrayValue!
        var worst: [String: Double] = [:]
        var seen = Set<String>()
        for c in cases {
            let name = c["model"]!.stringValue!, rule = c["rule"]!.stringValue!
            let layer = c["layer"]!.stringValue!, channel = c["channel"]!.intValue!
            let label = "\(name) \(rule) \(layer):\(channel)"
            let graph = try model(name)
            let x = try input(name)
            let want = try Fixture.npy("gradients/" + c["file"]!.stringValue!)
            XCTAssertEqual(want.shape, [32, 32, 3])
            let got: Tensor
            if rule == "saliency" {
                got = try SaliencyMapper(graph: graph).inputGradient(x, classIndex: channel, rule: .gradient)
                let logit = try SaliencyMapper(graph: graph).scores(x)[channel]
                XCTAssertEqual(Double(logit), c["objective"]!.doubleValue!, accuracy: 1e-4 * max(1, abs(Double(logit))), label)
            } else {
                let r = try XCTUnwrap(BackwardRule(rawValue: rule))
                let projections = try FeatureProjector(graph: graph).project(x, layers: [layer], selection: .channel(channel),
                                                                             rule: r, seed: .ones)
                XCTAssertEqual(projections.count, 1)
                let p = projections[0]
                XCTAssertEqual(p.layer, layer)
                XCTAssertEqual(p.channel, channel)
                // The fixture's objective is the channel's sum over positions; the projector reports its mean.
                let positions = Double(try graph.resolve(layer).outputShape.dropLast().reduce(1, *))
                XCTAssertEqual(p.meanActivation * positions, c["objective"]!.doubleValue!,
                               accuracy: 1e-4 * max(1, abs(c["objective"]!.doubleValue!)), "\(label) objective")
                got = p.pixels
            }
            XCTAssertEqual(got.shape, [1, 32, 32, 3], label)
            let err = Fixture.relativeError(got, want)
            XCTAssertLessThanOrEqual(err, 1e-4, "\(label): max error relative to max |expected|")
            XCTAssertEqual(got.data.filter { $0 != 0 }.count, c["nonzero"]!.intValue!, "\(label): non-zero entries")
            worst["\(name) \(rule)", default: 0] = max(worst["\(name) \(rule)", default: 0], err)
            seen.insert("\(name) \(rule)")
        }
        for m in ["conv_small", "resnet_small"] {
            for r in ["gradient", "deconvnet", "guided", "saliency"] { XCTAssertTrue(seen.contains("\(m) \(r)"), "no case for \(m) \(r)") }
        }
        for k in worst.keys.sorted() { print(String(format: "projection %-24@ max rel error %.2e", k as NSString, worst[k]!)) }
    }

    /// A channels-first CNN (Fixtures/chfirst, Keras 3): its image view takes (1, H, W, C) images and gives
    /// the same outputs as the model on (1, C, H, W) tensors; projections of one channel (axis 1 of its
    /// layers' outputs) under the three rules, and the logit saliency, equal Keras' input gradients with
    /// the channels moved last, through channels-first convolutions, max poolings (DeconvNet's switches)
    /// and BatchNormalization on axis 1.
    func testChannelsFirstModelProjectionsAndSaliencyMatchKeras() throws {
        let graph = try Fixture.graph("chfirst/cnn.keras3.h5")
        let view = try graph.imageView()
        XCTAssertFalse(view === graph, "a channels-first image model has an image view")
        XCTAssertEqual(view.nodes[view.inputNodes[0]].outputShape, [16, 14, 3])
        let bn = try graph.resolve("bn").id
        XCTAssertTrue(graph.isChannelsFirst(graph.inputNodes[0]) && graph.isChannelsFirst(bn))
        XCTAssertFalse(graph.isChannelsFirst(try graph.resolve("flatten").id))
        let batch = try Fixture.npy("chfirst/cnn.in.npy")                       // (2, 3, 16, 14)
        var ctx = ForwardContext()
        let y = try view.forward([channelsLast(batch)], context: &ctx).values[view.outputNodes[0]]!
        XCTAssertLessThanOrEqual(Fixture.relativeError(y, try Fixture.npy("chfirst/cnn.out.npy")), 1e-4)
        let x = channelsLast(batch.item(0))                                      // (1, 16, 14, 3)
        var seen = Set<String>()
        for c in try Fixture.json("chfirst/cases.json").arrayValue! {
            let rule = c["rule"]!.stringValue!, layer = c["layer"]!.stringValue!, channel = c["channel"]!.intValue!
            let label = "channels-first \(rule) \(layer):\(channel)"
            let want = channelsLast(try Fixture.npy("chfirst/" + c["file"]!.stringValue!).reshaped([1, 3, 16, 14]))
            let got: Tensor
            if rule == "saliency" {
                got = try SaliencyMapper(graph: view).inputGradient(x, classIndex: channel, rule: .gradient)
            } else {
                let p = try FeatureProjector(graph: view).project(x, layers: [layer], selection: .channel(channel),
                                                                  rule: try XCTUnwrap(BackwardRule(rawValue: rule)), seed: .ones)[0]
                let positions = Double(try view.resolve(layer).outputShape.dropFirst().reduce(1, *))
                XCTAssertEqual(p.meanActivation * positions, c["objective"]!.doubleValue!,
                               accuracy: 1e-4 * max(1, abs(c["objective"]!.doubleValue!)), "\(label) objective")
                got = p.pixels
            }
            XCTAssertEqual(got.shape, [1, 16, 14, 3], label)
            XCTAssertLessThanOrEqual(Fixture.relativeError(got, want), 1e-4, label)
            XCTAssertEqual(got.data.filter { $0 != 0 }.count, c["nonzero"]!.intValue!, "\(label): non-zero entries")
            seen.insert(rule)
        }
        XCTAssertEqual(seen, ["gradient", "deconvnet", "guided", "saliency"])
        // Grad-CAM and maximization of a channel (axis 1) run on it, and the default projections are its
        // convolutions and poolings.
        let cam = try SaliencyMapper(graph: view).gradCAM(x, classIndex: 1, layer: "conv_b")
        XCTAssertEqual(cam.map.shape, [6, 5])
        XCTAssertEqual(try FeatureProjector(graph: view).defaultLayers, ["conv_a", "pool_a", "conv_b", "pool_b"])
        let maximizer = try ActivationMaximizer(graph: view, target: .channel(layer: "conv_b", channel: 7))
        let (objective, gradient) = try maximizer.objectiveAndGradient(x)
        XCTAssertEqual(gradient.shape, [1, 16, 14, 3])
        XCTAssertGreaterThanOrEqual(objective, 0)
    }

    /// Projecting several layers at once (one forward pass) gives what projecting each alone gives,
    /// and `.strongest` / `.top` pick the channels with the largest mean activations.
    func testProjectorSelectionsAndBatchOfLayers() throws {
        let graph = try model("conv_small")
        let x = try input("conv_small")
        let projector = try FeatureProjector(graph: graph)
        XCTAssertEqual(projector.defaultLayers, ["conv1", "conv2", "pool2", "conv3", "conv4", "pool4", "conv5", "conv6", "pool6"])
        let all = try projector.project(x, layers: projector.defaultLayers, selection: .strongest)
        XCTAssertEqual(all.map(\.layer), projector.defaultLayers)
        for p in all {
            let alone = try projector.project(x, layers: [p.layer], selection: .channel(p.channel))
            XCTAssertEqual(alone[0].pixels, p.pixels, "\(p.layer): batch of layers vs alone")
            XCTAssertEqual(alone[0].meanActivation, p.meanActivation)
        }
        let top = try projector.project(x, layers: ["conv4"], selection: .top(3))
        XCTAssertEqual(top.count, 3)
        XCTAssertTrue(zip(top, top.dropFirst()).allSatisfy { $0.meanActivation >= $1.meanActivation })
        XCTAssertEqual(top[0].channel, all.first { $0.layer == "conv4" }!.channel)
        // DeconvNet projections with the activation seed: zero where nothing was seeded, finite everywhere.
        XCTAssertTrue(all.allSatisfy { $0.pixels.data.allSatisfy(\.isFinite) })
    }

    // MARK: activation maximization

    /// Algorithm 1 (`.paper`, step 1) from Fixtures/maximize/start.npy reproduces Keras' iterates
    /// after each of the 5 steps and the objective at every step, for the class and the channel target.
    func testAlgorithm1ReproducesKerasSteps() throws {
        let expected = try Fixture.json("maximize/expected.json")
        let graph = try Fixture.graph("maximize/" + expected["model_file"]!.stringValue!)
        let start = try Fixture.npy("maximize/" + expected["start"]!.stringValue!)
        let targets: [(String, MaximizationTarget)] = [("class3", .classScore(3, probability: false)),
                                                        ("conv4_ch5", .channel(layer: "conv4", channel: 5))]
        for (key, target) in targets {
            let info = expected["targets"]![key]!
            let maximizer = try ActivationMaximizer(graph: graph, target: target)
            let before = info["objective_before_step"]!.arrayValue!.map { $0.doubleValue! }
            let files = info["step_files"]!.arrayValue!.map { $0.stringValue! }
            var worstStep = 0.0, worstObjective = 0.0
            for k in 1...files.count {
                var settings = MaximizationSettings()
                settings.method = .paper
                settings.steps = k
                settings.stepSize = Float(expected["step_size"]!.doubleValue!)
                let (image, steps) = try maximizer.run(from: start, settings: settings)
                let want = try Fixture.npy("maximize/" + files[k - 1])
                XCTAssertEqual(image.shape, want.shape)
                // x ≈ 100 + O(k): compare absolutely, in input units (float32 spacing at 100 is 7.6e-6).
                let err = Fixture.maxAbsDiff(image, want)
                XCTAssertLessThanOrEqual(err, 1e-3, "\(key) step \(k): max |x − x_keras|")
                worstStep = max(worstStep, err)
                XCTAssertEqual(steps.count, k)
                XCTAssertEqual(steps.map(\.step), Array(0..<k))
                for (i, s) in steps.enumerated() {
                    let rel = abs(s.objective - before[i]) / max(abs(before[i]), 1e-6)
                    XCTAssertLessThanOrEqual(rel, 1e-4, "\(key) objective before step \(i + 1)")
                    worstObjective = max(worstObjective, rel)
                }
                if k == files.count {
                    let (last, _) = try maximizer.objectiveAndGradient(image)
                    let want = info["objective_after_last_step"]!.doubleValue!
                    XCTAssertEqual(last, want, accuracy: 1e-4 * abs(want), "\(key) objective after the last step")
                }
            }
            print(String(format: "maximize %@: max |x − x_keras| %.2e, objective max rel error %.2e", key, worstStep, worstObjective))
        }
    }

    /// On conv_small the paper's ascent raises the objective at every one of the first steps, from the
    /// paper's start (uniform noise + 100), for a class score and for an inner channel.
    func testObjectiveRisesOverFirstSteps() throws {
        let graph = try model("conv_small")
        for target in [MaximizationTarget.classScore(3, probability: false), .channel(layer: "conv4", channel: 5),
                       .channel(layer: "dense1", channel: 7)] {
            let m = try ActivationMaximizer(graph: graph, target: target)
            var settings = MaximizationSettings()
            settings.steps = 8
            let (image, steps) = try m.run(from: m.paperStart(seed: 11), settings: settings)
            let values = steps.map(\.objective) + [try m.objectiveAndGradient(image).0]
            for i in 1..<values.count {
                XCTAssertGreaterThan(values[i], values[i - 1], "\(target): objective fell at step \(i): \(values)")
            }
        }
    }

    /// Same seed, same result (regularised run with jitter, the only random part of a run, and the start);
    /// another seed gives another start and other jitter.
    func testMaximizationIsDeterministicWithSeed() throws {
        let m = try ActivationMaximizer(graph: try model("conv_small"), target: .channel(layer: "conv3", channel: 2))
        XCTAssertEqual(m.paperStart(seed: 5), m.paperStart(seed: 5))
        XCTAssertNotEqual(m.paperStart(seed: 5), m.paperStart(seed: 6))
        let s = m.paperStart(seed: 5)
        XCTAssertTrue(s.data.allSatisfy { $0 >= 100 && $0 < 101 }, "paper start is U[0, 1) + 100")
        XCTAssertEqual(s.shape, [1, 32, 32, 3])
        var settings = MaximizationSettings()
        settings.method = .regularized
        settings.steps = 6
        settings.jitter = 2
        settings.blurSigma = 0.5
        settings.blurEvery = 2
        settings.decay = 0.01
        settings.octaves = 2
        settings.seed = 42
        let a = try m.run(from: s, settings: settings)
        let b = try m.run(from: s, settings: settings)
        XCTAssertEqual(a.image, b.image)
        XCTAssertEqual(a.steps.map(\.objective), b.steps.map(\.objective))
        XCTAssertEqual(a.image.shape, [1, 32, 32, 3])
        XCTAssertEqual(a.steps.map(\.octave), [0, 0, 0, 1, 1, 1])
        settings.seed = 43
        let c = try m.run(from: s, settings: settings)
        XCTAssertNotEqual(a.image, c.image, "another seed, other jitter")
    }

    /// Display transform (the authors' deprocess): standardise, × 0.1, + 0.5, clip to [0, 1].
    func testDisplayTransform() throws {
        // 1000 values: N(0,1)-like plus one huge outlier that must be clipped, not squash the rest.
        var r = SeededRandom(seed: 3)
        var data = (0..<999).map { _ in r.normal() * 5 + 40 }
        data.append(10_000)
        let x = Tensor(shape: [1, 10, 10, 10], data: data)
        let y = ActivationMaximizer.displayTransform(x)
        XCTAssertEqual(y.shape, x.shape)
        let mean = x.sum() / 1000
        let std = (x.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 1000).squareRoot()
        for i in 0..<1000 {
            let want = min(max((Double(x.data[i]) - mean) / (std + 1e-7) * 0.1 + 0.5, 0), 1)
            XCTAssertEqual(Double(y.data[i]), want, accuracy: 1e-6, "element \(i)")
        }
        XCTAssertEqual(y.data[999], 1, "outlier clipped")
        XCTAssertTrue(y.data.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The bulk stays around 0.5 (not rescaled by the outlier to near 0).
        let bulk = y.data.prefix(999).reduce(0.0) { $0 + Double($1) } / 999
        XCTAssertEqual(bulk, 0.5, accuracy: 0.05)
        // A constant image shows as uniform grey; a standard image keeps its contrast of 0.1 per σ.
        XCTAssertEqual(ActivationMaximizer.displayTransform(Tensor(repeating: 7, shape: [1, 2, 2, 3])).data, [Float](repeating: 0.5, count: 12))
        let pm = ActivationMaximizer.displayTransform(Tensor(shape: [4], data: [-1, 1, -1, 1]))
        XCTAssertEqual(pm.data[0], 0.4, accuracy: 1e-6)
        XCTAssertEqual(pm.data[1], 0.6, accuracy: 1e-6)
    }

    // MARK: Grad-CAM

    /// Grad-CAM on resnet_small: default layer (the last spatial one), non-negative, the layer's spatial
    /// shape, and equal to ReLU(Σ_k mean(∂logit/∂A_k) · A_k) computed here from captured gradients.
    func testGradCAMOnResNetSmall() throws {
        let graph = try model("resnet_small")
        let x = try input("resnet_small")
        let mapper = try SaliencyMapper(graph: graph)
        for (layer, cls) in [(nil, 7), ("conv2_block2_out", 7), ("conv3_block1_out", 2), ("conv1_relu", 0)] as [(String?, Int)] {
            let (map, used) = try mapper.gradCAM(x, classIndex: cls, layer: layer)
            if layer == nil { XCTAssertEqual(used, "conv3_block1_out") }
            let node = try mapper.logits.resolve(used)
            XCTAssertEqual(map.shape, Array(node.outputShape.prefix(2)), "\(used): map shape")
            XCTAssertTrue(map.data.allSatisfy { $0 >= 0 }, "\(used): non-negative")

            // Direct computation.
            var ctx = ForwardContext()
            let out = mapper.logits.outputNodes[0]
            let pass = try mapper.logits.forward([x], targets: [out, node.id], record: true, context: &ctx)
            var seed = Tensor(zeros: pass.value(out)!.shape)
            seed.data[cls] = 1
            let back = try mapper.logits.backward(seeds: [out: seed], pass: pass, captureAt: [node.id])
            let g = try XCTUnwrap(back.captured[node.id]), a = pass.value(node.id)!
            let (h, w, c) = (a.shape[1], a.shape[2], a.shape[3])
            var weights = [Double](repeating: 0, count: c)
            for p in 0..<(h * w) { for k in 0..<c { weights[k] += Double(g.data[p * c + k]) / Double(h * w) } }
            var want = Tensor(zeros: [h, w])
            for p in 0..<(h * w) {
                var s = 0.0
                for k in 0..<c { s += weights[k] * Double(a.data[p * c + k]) }
                want.data[p] = Float(max(s, 0))
            }
            XCTAssertLessThanOrEqual(Fixture.relativeError(map, want), 1e-6, "\(used): Grad-CAM vs direct")
            XCTAssertGreaterThan(map.max, 0, "\(used): the map is not all zero")

            // The same backward pass continues to the input: it is the saliency gradient (validated against
            // Keras above and by finite differences below).
            XCTAssertEqual(back.inputGradients[0], try mapper.inputGradient(x, classIndex: cls, rule: .gradient))
        }
    }

    // MARK: whole-graph gradient by finite differences

    /// Input gradient of resnet_small's class-7 logit against finite differences, every input element.
    ///
    /// resnet_small is piecewise linear in its input at inference (Conv, BN with moving statistics, ReLU,
    /// max pooling, zero padding, Add, GAP, Dense), so away from kinks a difference quotient has no
    /// truncation error at all: what is left is the float32 forward's rounding. The objective is read in
    /// Double from the float32 logit; its noise is a few float32 ulps of the O(1) intermediate sums,
    /// ≈ 1e-7 to 1e-6 (measured: median |one-sided error| · h ≈ 1.5e-7 for h from 1e-3 to 3e-2). With
    /// h = 1e-2 that is ≲ 1e-4 on a quotient (measured: 99% of one-sided errors below 7e-5); a smaller h
    /// raises this noise (1/h), a larger one crosses more ReLU / max switches. Tolerance 2e-4 absolute, i.e. 0.4% of the largest gradient
    /// entry (≈ 0.055). A residual fork that failed to accumulate drops a whole path, an O(max |g|) error.
    ///
    /// A ReLU/max switch inside [x − h, x + h] shows as one-sided slopes that disagree; such an element
    /// passes only if the analytic value matches one side (the derivative on x's side) — or, when both
    /// sides have a switch, one side at h/4 — and at most 5% of the elements may be settled that way.
    func testResNetSmallInputGradientByFiniteDifferences() throws {
        let graph = try model("resnet_small")
        let logits = try graph.logitGraph()
        let x = try input("resnet_small")
        let cls = 7
        let analytic = try SaliencyMapper(graph: graph).inputGradient(x, classIndex: cls, rule: .gradient)
        func objective(_ t: Tensor) throws -> Double { Double(try logits.predict(t).data[cls]) }
        let j0 = try objective(x)
        let h: Float = 1e-2, tol = 2e-4
        var worstCentral = 0.0, worstSide = 0.0, kinks = 0
        /// Central and one-sided quotients at element i with step `step` (the float32 steps actually taken).
        func quotients(_ i: Int, _ step: Float) throws -> (central: Double, left: Double, right: Double) {
            var xp = x, xm = x
            xp.data[i] += step
            xm.data[i] -= step
            let hp = Double(xp.data[i] - x.data[i]), hm = Double(x.data[i] - xm.data[i])
            let jp = try objective(xp), jm = try objective(xm)
            return ((jp - jm) / (hp + hm), (j0 - jm) / hm, (jp - j0) / hp)
        }
        for i in 0..<x.count {
            let a = Double(analytic.data[i])
            let q = try quotients(i, h)
            let side = min(abs(a - q.right), abs(a - q.left))
            worstSide = max(worstSide, side)
            if abs(a - q.central) <= tol { worstCentral = max(worstCentral, abs(a - q.central)); continue }
            if abs(q.right - q.left) > tol && side <= tol { kinks += 1; continue }
            // Switches on both sides within h: a step 4× smaller (4× the noise, so 4× the tolerance) must
            // then see the derivative on at least one side.
            let small = try quotients(i, h / 4)
            if min(abs(a - small.right), abs(a - small.left), abs(a - small.central)) <= 4 * tol { kinks += 1; continue }
            XCTFail("input element \(i): analytic \(a), central \(q.central), one-sided \(q.left) / \(q.right); "
                    + "with h/4: \(small.left) / \(small.right)")
        }
        let maxGrad = Double(analytic.data.map { abs($0) }.max() ?? 0)
        XCTAssertGreaterThan(maxGrad, 100 * tol, "the gradient is large against the tolerance")
        XCTAssertLessThanOrEqual(kinks, x.count / 20, "too many elements settled at kinks")
        print(String(format: "finite differences resnet_small: max |analytic − central| %.2e, max one-sided %.2e "
                     + "(max |g| %.2e, tol %.0e), %d of %d at kinks", worstCentral, worstSide, maxGrad, tol, kinks, x.count))
    }

    // MARK: errors

    /// Bad targets throw errors that name what is wrong.
    func testBadTargetsThrowClearErrors() throws {
        let graph = try model("conv_small")
        let x = try input("conv_small")
        assertThrows("class ≥ outputs", ["class 10", "10 outputs"]) {
            _ = try ActivationMaximizer(graph: graph, target: .classScore(10, probability: false))
        }
        assertThrows("negative class", ["class -1", "10 outputs"]) {
            _ = try ActivationMaximizer(graph: graph, target: .classScore(-1, probability: true))
        }
        assertThrows("unknown layer (maximizer)", ["no layer named 'conv9'", "conv1"]) {
            _ = try ActivationMaximizer(graph: graph, target: .channel(layer: "conv9", channel: 0))
        }
        assertThrows("channel out of range (maximizer)", ["'conv4'", "16 channels", "channel 16 is out of range"]) {
            _ = try ActivationMaximizer(graph: graph, target: .channel(layer: "conv4", channel: 16))
        }
        assertThrows("channel out of range (projector)", ["'conv2'", "8 channels", "channel 8"]) {
            _ = try FeatureProjector(graph: graph).project(x, layers: ["conv2"], selection: .channel(8))
        }
        assertThrows("unknown layer (projector)", ["no layer named 'nope'"]) {
            _ = try FeatureProjector(graph: graph).project(x, layers: ["nope"])
        }
        assertThrows("unit outside the map", ["unit (32, 0, 0)", "outside"]) {
            _ = try FeatureProjector(graph: graph).projectUnit(x, layer: "conv2", channel: 0, y: 32, x: 0)
        }
        assertThrows("negative unit", ["unit (0, -1, 0)", "outside"]) {
            _ = try FeatureProjector(graph: graph).projectUnit(x, layer: "conv2", channel: 0, y: 0, x: -1)
        }
        assertThrows("class ≥ outputs (saliency)", ["class 10", "10 outputs"]) {
            _ = try SaliencyMapper(graph: graph).inputGradient(x, classIndex: 10, rule: .gradient)
        }
        assertThrows("class ≥ outputs (Grad-CAM)", ["class 12", "10 outputs"]) {
            _ = try SaliencyMapper(graph: graph).gradCAM(x, classIndex: 12)
        }
        assertThrows("unknown layer (Grad-CAM)", ["no layer named 'conv7'"]) {
            _ = try SaliencyMapper(graph: graph).gradCAM(x, classIndex: 1, layer: "conv7")
        }
        assertThrows("non-spatial layer (Grad-CAM)", ["'dense1'", "no spatial output"]) {
            _ = try SaliencyMapper(graph: graph).gradCAM(x, classIndex: 1, layer: "dense1")
        }
        assertThrows("wrong start shape", ["start tensor has shape", "(1, 32, 32, 3)"]) {
            let m = try ActivationMaximizer(graph: graph, target: .classScore(1, probability: false))
            _ = try m.run(from: Tensor(zeros: [1, 16, 16, 3]), settings: MaximizationSettings())
        }
        assertThrows("batch of images (projector)", ["one image", "batch of 2"]) {
            _ = try FeatureProjector(graph: graph).project(try Fixture.npy("models/conv_small.in.npy"), layers: ["conv1"])
        }
    }
}
