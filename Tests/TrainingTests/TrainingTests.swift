import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
import XCTest
@testable import Training

/// Training against Keras 3.15 references made by Resources/training/make.py.
final class TrainingTests: XCTestCase {
    // MARK: Fixtures

    struct Case {
        var graph: Graph
        var xs: [Tensor]
        var ys: [Tensor]
        var losses: [Double]
        var final: [String: [Tensor]]
    }

    static func tensor(_ j: JSON) -> Tensor {
        Tensor(shape: j["shape"]!.arrayValue!.map { $0.intValue! }, data: j["data"]!.arrayValue!.map { Float($0.doubleValue!) })
    }

    static func load(_ name: String) throws -> Case {
        let url = Repository.resource("training/\(name).json")
        let json = try JSONParser().parse(String(contentsOf: url, encoding: .utf8))
        let graph = Graph(name: name)
        var last = -1
        for entry in json["layers"]!.arrayValue! {
            let layer = try LayerRegistry.make(className: entry["class_name"]!.stringValue!, name: entry["name"]!.stringValue!,
                                               config: entry["config"]!)
            last = try graph.add(layer, inputs: last < 0 ? [] : [last])
            if last == 0 { graph.inputNodes = [0] }
            for (i, w) in entry["weights"]!.arrayValue!.enumerated() { layer.weights[i].value = tensor(w) }
        }
        graph.outputNodes = [last]
        var final: [String: [Tensor]] = [:]
        for (k, v) in json["final"]!.objectValue!.pairs { final[k] = v.arrayValue!.map(tensor) }
        return Case(graph: graph, xs: json["x"]!.arrayValue!.map(tensor), ys: json["y"]!.arrayValue!.map(tensor),
                    losses: json["losses"]!.arrayValue!.map { $0.doubleValue! }, final: final)
    }

    /// Runs the case's `train_on_batch` steps with `optimizer`; returns (max loss error, max relative weight error).
    func replay(_ name: String, _ optimizer: any Optimizer) throws -> (Double, Double) {
        let c = try Self.load(name)
        let trainer = try Trainer(graph: c.graph, optimizer: optimizer, preprocess: { _ in Tensor(zeros: [1]) })
        var lossErr = 0.0
        for (k, (x, y)) in zip(c.xs, c.ys).enumerated() {
            let (loss, _) = try trainer.trainStep(x: x, y: y)
            lossErr = max(lossErr, abs(loss - c.losses[k]))
        }
        var relErr = 0.0, worst = ""
        for layer in c.graph.layers {
            guard let want = c.final[layer.name] else { continue }
            XCTAssertEqual(want.count, layer.weights.count, "\(name) \(layer.name)")
            for (w, v) in zip(layer.weights, want) {
                XCTAssertEqual(w.value.shape, v.shape)
                // Relative error, with the denominator floored at 1% of the tensor's largest magnitude
                // (and 1e-3): weights that cancel to near zero carry the absolute rounding of their scale.
                let floor = max(Double(v.data.map(abs).max() ?? 0) * 1e-2, 1e-3)
                for (a, b) in zip(w.value.data, v.data) {
                    let e = Double(abs(a - b)) / max(Double(abs(b)), floor)
                    if e > relErr { relErr = e; worst = "\(layer.name)/\(w.name): \(a) vs Keras \(b)" }
                }
            }
        }
        print("training reference \(name): max |loss − Keras| \(lossErr), max relative weight error \(relErr) (\(worst))")
        XCTAssertLessThan(lossErr, 1e-5, name)
        XCTAssertLessThan(relErr, 1e-4, name)
        return (lossErr, relErr)
    }

    // MARK: Optimizers against Keras

    func testAdamWithLegacyDecayMatchesKeras() throws {
        for model in ["dense", "conv"] {
            _ = try replay("\(model)_adam_decay", Adam(schedule: .legacyDecay(initial: 1e-3, decay: 1e-2)))
        }
    }

    func testSGDMomentumMatchesKeras() throws {
        for model in ["dense", "conv"] {
            _ = try replay("\(model)_sgd_momentum", SGD(schedule: .constant(0.01), momentum: 0.9))
            _ = try replay("\(model)_sgd_nesterov", SGD(schedule: .constant(0.01), momentum: 0.9, nesterov: true))
        }
    }

    func testRMSpropMatchesKeras() throws {
        for model in ["dense", "conv"] { _ = try replay("\(model)_rmsprop", RMSprop()) }
    }

    func testBatchNormalizationTrainingMatchesKeras() throws {
        // Gamma and beta are updated by Adam; the moving statistics (non-trainable) by the layer's
        // training-mode forward. Both are compared with Keras' final weights. (d1 has no bias: a bias
        // feeding a batch norm has a true gradient of 0, so both sides would only see rounding noise
        // there, which Adam's g/sqrt(v) scales up to ±lr per step.)
        _ = try replay("bn_adam", Adam())
    }

    func testMaxNormConstraintMatchesKeras() throws {
        let c = try Self.load("dense_maxnorm")
        let d1 = try c.graph.resolve("d1").layer
        XCTAssertEqual(try WeightConstraint.forVariable("kernel", of: d1), .maxNorm(maxValue: 3, axes: [0]))
        _ = try replay("dense_maxnorm", SGD(schedule: .constant(5.0)))
    }

    /// The vectorised, threaded updates against the scalar formulas value by value (bit for bit), on a variable long
    /// enough to split over the threads and not a multiple of the vector width, at 1 and 2 threads.
    func testOptimizerUpdatesMatchScalarFormulas() {
        let saved = Threading.count
        defer { Threading.set(saved) }
        let n = 70_001, lr: Float = 0.01
        var rng = SeededRandom(seed: 4)
        let w0 = (0..<n).map { _ in rng.uniform() * 2 - 1 }
        let grads = (0..<3).map { _ in (0..<n).map { _ in rng.uniform() * 2 - 1 } }
        // Scalar references: (w, slots) after one step of gradient g at iteration t.
        typealias Rule = (_ w: inout [Float], _ s: inout [[Float]], _ g: [Float], _ t: Int) -> Void
        // The constants as the optimizers make them: Float of the Double hyper-parameters.
        let f = { (d: Double) in Float(d) }
        let eps = f(1e-7), mu = f(0.9)
        let adam: Rule = { w, s, g, t in
            let alpha = lr * (1 - powf(f(0.999), Float(t + 1))).squareRoot() / (1 - powf(f(0.9), Float(t + 1)))
            for i in 0..<n {
                s[0][i] += (g[i] - s[0][i]) * f(1 - 0.9)
                s[1][i] += (g[i] * g[i] - s[1][i]) * f(1 - 0.999)
                w[i] -= (s[0][i] * alpha) / (s[1][i].squareRoot() + eps)
            }
        }
        let nesterov: Rule = { w, s, g, _ in
            for i in 0..<n { s[0][i] = s[0][i] * mu - g[i] * lr; w[i] += s[0][i] * mu - g[i] * lr }
        }
        let plain: Rule = { w, _, g, _ in for i in 0..<n { w[i] -= g[i] * lr } }
        let rmsCentered: Rule = { w, s, g, _ in
            for i in 0..<n {
                s[0][i] = mu * s[0][i] + f(1 - 0.9) * (g[i] * g[i])
                s[2][i] = mu * s[2][i] + f(1 - 0.9) * g[i]
                let d = s[0][i] - s[2][i] * s[2][i] + eps
                s[1][i] = f(0.5) * s[1][i] + lr * g[i] / d.squareRoot()
                w[i] -= s[1][i]
            }
        }
        let cases: [(String, () -> any Optimizer, Int, Rule)] = [
            ("Adam", { Adam(schedule: .constant(Double(lr))) }, 2, adam),
            ("SGD nesterov", { SGD(schedule: .constant(Double(lr)), momentum: 0.9, nesterov: true) }, 1, nesterov),
            ("SGD", { SGD(schedule: .constant(Double(lr))) }, 0, plain),
            ("RMSprop centered, momentum", { RMSprop(schedule: .constant(Double(lr)), momentum: 0.5, centered: true) }, 3, rmsCentered),
        ]
        for (name, make, slotCount, rule) in cases {
            var want = w0, slots = [[Float]](repeating: [Float](repeating: 0, count: n), count: slotCount)
            for (t, g) in grads.enumerated() { rule(&want, &slots, g, t) }
            for threads in [1, 2] {
                Threading.set(threads)
                let opt = make()
                var vars: [(key: String, value: Tensor, gradient: Tensor)] = [("l/w", Tensor(shape: [n], data: w0), Tensor(zeros: [n]))]
                for g in grads {
                    vars[0].gradient = Tensor(shape: [n], data: g)
                    opt.step(&vars)
                }
                XCTAssertEqual(vars[0].value.data, want, "\(name), \(threads) thread(s)")
                XCTAssertEqual(opt.state.slots["l/w"]?.map(\.data) ?? [], slots, "\(name) slots, \(threads) thread(s)")
            }
        }
    }

    func testTrainerKeepsFreedBlocksInTheHeap() throws {
        #if os(Linux)
        // A sanitizer's allocator replaces glibc's malloc and refuses mallopt (ASan/TSan runs of this suite).
        let runtimes: [String] = ["__asan_init", "__tsan_init"]
        let sanitizer = runtimes.contains { name in dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) != nil }
        if sanitizer { throw XCTSkip("a sanitizer's allocator replaces glibc's malloc; mallopt does not apply") }
        XCTAssertTrue(HeapRetention.enabled, "mallopt took the mmap and trim thresholds")
        #endif
    }

    /// Norm constraints over leading axes (the fast path: Dense and convolution kernels) and over others, against
    /// norms computed value by value; big enough to split the columns over the threads.
    func testNormConstraintsMatchNaiveNorms() {
        var rng = SeededRandom(seed: 2)
        for (shape, axes) in [([300, 130], [0]), ([3, 3, 5, 7], [0, 1, 2]), ([4, 6, 5], [1]), ([9, 4, 3], [-1])] {
            var w = Tensor(zeros: shape)
            for i in w.data.indices { w.data[i] = rng.uniform() * 2 - 1 }
            let reduced = Set(axes.map { $0 < 0 ? $0 + shape.count : $0 })
            // Group of each value: its coordinates on the kept axes.
            func group(_ i: Int) -> [Int] {
                var rest = i, coords = [Int](repeating: 0, count: shape.count)
                for a in stride(from: shape.count - 1, through: 0, by: -1) { coords[a] = rest % shape[a]; rest /= shape[a] }
                return coords.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
            }
            var norms: [[Int]: Double] = [:]
            for (i, v) in w.data.enumerated() { norms[group(i), default: 0] += Double(v) * Double(v) }
            let maxValue: Float = 0.8
            var got = w
            WeightConstraint.maxNorm(maxValue: maxValue, axes: axes).apply(&got)
            for (i, v) in w.data.enumerated() {
                let n = Float(norms[group(i)]!.squareRoot())
                XCTAssertEqual(got.data[i], v * min(n, maxValue) / (WeightConstraint.epsilon + n), accuracy: 1e-6, "\(shape) \(axes) value \(i)")
            }
        }
    }

    func testConstraintConfigForms() throws {
        let k2: JSON = ["class_name": "MaxNorm", "config": ["max_value": 2, "axis": [0, 1, 2]]]
        XCTAssertEqual(try WeightConstraint(config: k2, layer: "l"), .maxNorm(maxValue: 2, axes: [0, 1, 2]))
        XCTAssertEqual(try WeightConstraint(config: "max_norm", layer: "l"), .maxNorm(maxValue: 2, axes: [0]))
        XCTAssertEqual(try WeightConstraint(config: ["name": "MaxNorm", "m": 4, "axis": 0], layer: "l"), .maxNorm(maxValue: 4, axes: [0]))
        XCTAssertEqual(try WeightConstraint(config: "non_neg", layer: "l"), .nonNeg)
        XCTAssertNil(try WeightConstraint(config: .null, layer: "l"))
        // UnitNorm over axis 0 of a (2, 2) matrix: columns scaled to norm 1 (up to ε).
        var w = Tensor(shape: [2, 2], data: [3, 0, 4, 2])
        WeightConstraint.unitNorm(axes: [0]).apply(&w)
        let eps: Float = 1e-7
        let expected: [Float] = [3 / (5 + eps), 0, 4 / (5 + eps), 2 / (2 + eps)]
        XCTAssertEqual(w.data, expected, accuracy: 1e-7)
    }

    // MARK: Loss

    func testCrossEntropyFromLogitsIsUnclippedLikeKeras() {
        // Keras 3.15 / tf-keras 2.21 report 30.0 here (they use the softmax's logits), not −log(1e-7).
        let (loss, grad) = CategoricalCrossEntropy.fromLogits(Tensor(shape: [1, 3], data: [30, 0, 0]),
                                                              labels: Tensor(shape: [1, 3], data: [0, 1, 0]))
        XCTAssertEqual(loss, 30, accuracy: 1e-5)
        XCTAssertEqual(grad.data, [1, -1, 0], accuracy: 1e-6)
        let (pl, _) = CategoricalCrossEntropy.fromProbabilities(Tensor(shape: [1, 3], data: [1, 0, 0]),
                                                                labels: Tensor(shape: [1, 3], data: [0, 1, 0]))
        XCTAssertEqual(pl, -log(1e-7), accuracy: 1e-4)
    }

    // MARK: Early stopping (expected values from keras.callbacks.EarlyStopping 3.15.1)

    func runEarlyStopping(_ seq: [Double], _ es: EarlyStopping) -> (stop: Int?, restored: Int?, bestEpoch: Int, wait: Int) {
        var es = es
        es.reset()
        var stop: Int?
        for (e, v) in seq.enumerated() {
            if es.epochEnded(e, value: v, weights: { ["w": [Tensor(shape: [1], data: [Float(e)])]] }) { stop = e; break }
        }
        return (stop, es.weightsToRestore.map { Int($0["w"]![0].data[0]) }, es.bestEpoch, es.wait)
    }

    func testEarlyStoppingMatchesKeras() {
        let seq = [1.0, 0.9, 0.8995, 0.95, 0.91, 0.85, 0.7]
        var r = runEarlyStopping(seq, EarlyStopping(monitor: .loss, minDelta: 0.001, patience: 3, restoreBestWeights: true))
        XCTAssertEqual(r.stop, 4); XCTAssertEqual(r.restored, 1); XCTAssertEqual(r.bestEpoch, 1); XCTAssertEqual(r.wait, 3)
        r = runEarlyStopping(seq, EarlyStopping(monitor: .loss, minDelta: 0.001, patience: 3))
        XCTAssertEqual(r.stop, 4); XCTAssertNil(r.restored)
        r = runEarlyStopping([0.5, 0.6, 0.6, 0.65, 0.649, 0.64], EarlyStopping(monitor: .valAccuracy, patience: 2, restoreBestWeights: true))
        XCTAssertEqual(r.stop, 5); XCTAssertEqual(r.restored, 3); XCTAssertEqual(r.wait, 2)
        r = runEarlyStopping([2.0, 2.5], EarlyStopping(monitor: .valLoss, patience: 0, restoreBestWeights: true))
        XCTAssertEqual(r.stop, 1); XCTAssertEqual(r.restored, 0)
        r = runEarlyStopping([1.0, 0.99, 0.98, 0.97], EarlyStopping(monitor: .loss, patience: 1, restoreBestWeights: true, baseline: 0.5))
        XCTAssertNil(r.stop); XCTAssertEqual(r.restored, 3); XCTAssertEqual(r.wait, 4)
    }

    // MARK: Augmentation

    func testAugmentationIdentityRotationAndFlip() {
        var rng = SeededRandom(seed: 1)
        let img = Image(width: 5, height: 4, channels: 2, pixels: (0..<40).map { Float($0) })
        XCTAssertEqual(Augmentation().augment(img, random: &rng), img)
        XCTAssertEqual(Augmentation.apply(.init(theta: 0, tx: 0, ty: 0), to: img), img)

        // 90° on a square image: keras apply_affine_transform(theta=90) moves (0,1)→(3,0) and (1,3)→(1,1).
        var sq = Image(width: 5, height: 5, channels: 1)
        sq[0, 1, 0] = 1; sq[1, 3, 0] = 2
        let rot = Augmentation.apply(.init(theta: 90), to: sq)
        var want = Image(width: 5, height: 5, channels: 1)
        want[3, 0, 0] = 1; want[1, 1, 0] = 2
        XCTAssertEqual(rot.pixels, want.pixels, accuracy: 1e-6)
        // Exact rotated pixels of a full square: out(r, c) = in(c, n−1−r).
        let n = 6
        let full = Image(width: n, height: n, channels: 1, pixels: (0..<(n * n)).map { Float($0) })
        let r90 = Augmentation.apply(.init(theta: 90), to: full)
        for r in 0..<n { for c in 0..<n { XCTAssertEqual(r90[r, c, 0], full[c, n - 1 - r, 0], accuracy: 1e-5) } }

        let flipped = Augmentation.apply(.init(flipHorizontal: true), to: img)
        for y in 0..<4 { for x in 0..<5 { for k in 0..<2 { XCTAssertEqual(flipped[y, x, k], img[y, 4 - x, k]) } } }
    }

    func testAugmentationMatchesKerasOnNonSquareImage() {
        // keras apply_affine_transform(arange(20).reshape(4,5,1), …, fill_mode='nearest'):
        let img = Image(width: 5, height: 4, channels: 1, pixels: (0..<20).map { Float($0) })
        let tx1: [Float] = [1, 2, 3, 4, 4, 6, 7, 8, 9, 9, 11, 12, 13, 14, 14, 16, 17, 18, 19, 19]
        XCTAssertEqual(Augmentation.apply(.init(tx: 1), to: img).pixels, tx1)
        let ty1: [Float] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 15, 16, 17, 18, 19]
        XCTAssertEqual(Augmentation.apply(.init(ty: 1), to: img).pixels, ty1)
        let theta10: [Float] = [0.37008473, 1.3548925, 2.925743, 4.778792, 6.3225245,
                                3.9700365, 5.8230853, 7.6761336, 9.529182, 11.246564,
                                8.7204275, 10.573476, 12.426524, 14.2795725, 16.132622,
                                13.621677, 15.323866, 16.818756, 17.803564, 18.788372]
        XCTAssertEqual(Augmentation.apply(.init(theta: 10), to: img).pixels, theta10, accuracy: 1e-4)
    }

    // MARK: Datasets

    func testValidationSplitTakesTheEnd() throws {
        let d = try Dataset.arrays(images: Tensor(zeros: [10, 2, 2, 1]), labels: Array(0..<10))
        let (t, v) = try d.split(validationFraction: 0.3)
        XCTAssertEqual(t.labels, Array(0..<7))
        XCTAssertEqual(v.labels, [7, 8, 9])
        XCTAssertEqual(d.order(epoch: 3, seed: 9), d.order(epoch: 3, seed: 9))
        XCTAssertNotEqual(d.order(epoch: 3, seed: 9), d.order(epoch: 4, seed: 9))
    }

    // MARK: Checkpoints

    func makeRun(_ epochs: Int) throws -> (Trainer, Dataset, Dataset) {
        let c = try Self.load("conv_adam_decay")
        var rng = SeededRandom(seed: 5)
        let images = Tensor(shape: [21, 6, 6, 2], data: (0..<(21 * 72)).map { _ in rng.uniform() * 255 })
        let data = try Dataset.arrays(images: images, labels: (0..<21).map { $0 % 4 }, classCount: 4)
        let (train, val) = try data.split(validationFraction: 0.2)
        let t = try Trainer(graph: c.graph, optimizer: Adam(schedule: .legacyDecay(initial: 1e-3, decay: 1e-2)),
                            batchSize: 5, epochs: epochs, seed: 42) { img in
            Tensor(shape: [img.height, img.width, img.channels], data: img.pixels.map { $0 / 255 })
        }
        t.augmentation = .paper
        t.earlyStopping = EarlyStopping(monitor: .loss, minDelta: 0.001, patience: 3, restoreBestWeights: false)
        return (t, train, val)
    }

    func testCheckpointResumeIsBitExact() throws {
        let (straight, train, val) = try makeRun(2)
        XCTAssertEqual(try straight.fit(train, validation: val), .completed)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("run.ckpt")

        // Whole epochs: 1 epoch, checkpoint, read back into a fresh model, 1 more.
        let (first, _, _) = try makeRun(1)
        XCTAssertEqual(try first.fit(train, validation: val), .completed)
        try first.checkpoint().write(to: file)
        let (second, _, _) = try makeRun(2)
        let saved = try TrainingCheckpoint.read(from: file)
        XCTAssertEqual(saved, first.checkpoint())
        try second.resume(from: saved)
        XCTAssertEqual(try second.fit(train, validation: val), .completed)
        XCTAssertEqual(second.currentWeights(), straight.currentWeights())
        XCTAssertEqual(second.optimizer.state, straight.optimizer.state)
        XCTAssertEqual(second.history.epochs.map(\.loss), straight.history.epochs.map(\.loss))

        // Interrupted mid-epoch (after batch 2 of epoch 1), then resumed.
        let (cut, _, _) = try makeRun(2)
        var batches = 0
        cut.shouldStop = { batches += 1; return batches == 6 }
        XCTAssertEqual(try cut.fit(train, validation: val), .interrupted(epoch: 1, batch: 2))
        try cut.checkpoint().write(to: file)
        let (rest, _, _) = try makeRun(2)
        try rest.resume(from: TrainingCheckpoint.read(from: file))
        XCTAssertEqual(try rest.fit(train, validation: val), .completed)
        XCTAssertEqual(rest.currentWeights(), straight.currentWeights())
        XCTAssertEqual(rest.history.epochs.map(\.valLoss), straight.history.epochs.map(\.valLoss))
        let hist = try History.decode(rest.history.json())
        XCTAssertEqual(hist, rest.history)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["run.ckpt"])
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) where abs(x - y) > accuracy {
        XCTFail("\(x) vs \(y) (arrays \(a) vs \(b))", file: file, line: line)
        return
    }
}
