import Foundation
import Graph
import Imaging
import Tensor

/// What a per-batch progress callback sees (enough for a progress bar).
public struct BatchProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    /// 0-based index of the batch just finished, and the number of batches of the epoch.
    public var batch: Int
    public var batches: Int
    /// Running (sample-weighted) loss and accuracy of the epoch so far.
    public var loss: Double
    public var accuracy: Double
    public var imagesPerSecond: Double
    public var learningRate: Double
}

/// How `fit` ended.
public enum TrainingOutcome: Equatable, Sendable {
    case completed
    /// Early stopping ended the run after this (0-based) epoch.
    case stoppedEarly(epoch: Int)
    /// `shouldStop` returned true; `checkpoint()` continues from here.
    case interrupted(epoch: Int, batch: Int)
}

/// Keras `model.fit` for a ConvScope graph: mini-batch training with categorical cross-entropy.
///
/// Per batch (Keras `train_step`): forward in training mode with tapes, loss and accuracy,
/// backward with weight gradients, optimizer update of the trainable variables, then each
/// updated variable's constraint. Layers with `trainable: false` in their config and layers
/// named in `freeze` are skipped, as are non-trainable variables (BatchNormalization's moving
/// statistics, which the layer updates itself in its training-mode forward).
///
/// Softmax outputs: the pass runs on `graph.logitGraph()` and the loss is taken from the logits,
/// which is what Keras does (see `CategoricalCrossEntropy`). When the softmax is fused into the
/// last layer, that graph holds a linear copy of it; its variables are copied back to the
/// original layer after every update, so `graph` always holds the current weights.
public final class Trainer {
    public let graph: Graph
    public var optimizer: any Optimizer
    public var batchSize: Int
    public var epochs: Int
    public var seed: UInt64
    public var shuffle = true
    public var augmentation: Augmentation?
    /// Names of layers to keep fixed, in addition to those whose config says `trainable: false`.
    public var freeze: Set<String> = []
    public var earlyStopping: EarlyStopping?
    /// Turns an (augmented) image into the model's (H, W, C) input.
    public var preprocess: (Image) throws -> Tensor
    public var onBatch: ((BatchProgress) -> Void)?
    public var onEpoch: ((EpochLog) -> Void)?
    /// Checked after every batch; returning true ends `fit` with `.interrupted`.
    public var shouldStop: () -> Bool = { false }

    public private(set) var history = History()
    public private(set) var position = TrainingCheckpoint.Position()

    /// The graph the passes run on (logits as output when the model ends in a softmax).
    let runGraph: Graph
    let fromLogits: Bool
    /// Layers of `runGraph` that stand in for layers of `graph` (the linear copy of a fused softmax).
    let standIns: [(run: any Layer, original: any Layer)]
    /// Key of every layer: the node name of its first application.
    let keys: [ObjectIdentifier: String]
    let constraints: [String: [WeightConstraint?]]

    public init(graph: Graph, optimizer: any Optimizer, batchSize: Int = 32, epochs: Int = 1, seed: UInt64 = 0,
                preprocess: @escaping (Image) throws -> Tensor) throws {
        guard batchSize > 0, epochs >= 0 else { throw TrainingError.badArgument("batch size must be positive and epochs non-negative") }
        guard graph.inputNodes.count == 1, graph.outputNodes.count == 1 else {
            throw TrainingError.badArgument("training needs a model with one input and one output; '\(graph.name)' has \(graph.inputNodes.count) and \(graph.outputNodes.count)")
        }
        try graph.checkRunnable()
        _ = HeapRetention.enabled
        self.graph = graph
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
        self.preprocess = preprocess
        runGraph = try graph.logitGraph()
        fromLogits = runGraph !== graph
        var standIns: [(run: any Layer, original: any Layer)] = []
        for (a, b) in zip(runGraph.nodes, graph.nodes) where a.layer !== b.layer { standIns.append((a.layer, b.layer)) }
        self.standIns = standIns
        var keys: [ObjectIdentifier: String] = [:]
        for (a, b) in zip(runGraph.nodes, graph.nodes) {
            if keys[ObjectIdentifier(b.layer)] == nil { keys[ObjectIdentifier(b.layer)] = b.name }
            if keys[ObjectIdentifier(a.layer)] == nil { keys[ObjectIdentifier(a.layer)] = b.name }
        }
        self.keys = keys
        var constraints: [String: [WeightConstraint?]] = [:]
        for layer in graph.layers {
            constraints[keys[ObjectIdentifier(layer)]!] = try layer.weights.map { try WeightConstraint.forVariable($0.name, of: layer) }
        }
        self.constraints = constraints
    }

    func key(_ layer: any Layer) -> String { keys[ObjectIdentifier(layer)]! }

    /// Whether the optimizer updates `layer`'s trainable variables.
    public func isTrainable(_ layer: any Layer) -> Bool { layer.configTrainable && !freeze.contains(layer.name) && !freeze.contains(key(layer)) }

    // MARK: One step

    /// Keras `train_on_batch`: one update on `x` (N, H, W, C) and one-hot `y` (N, K).
    /// Returns the batch's loss and accuracy (before the update, as Keras reports them).
    @discardableResult
    public func trainStep(x: Tensor, y: Tensor, dropoutSeed: UInt64 = 0) throws -> (loss: Double, accuracy: Double) {
        var ctx = ForwardContext(mode: .training, seed: dropoutSeed)
        let out = runGraph.outputNodes[0]
        let pass = try runGraph.forward([x], record: true, context: &ctx)
        let value = pass.value(out)!
        let (loss, grad, acc) = lossAndGradient(value, y)
        let back = try runGraph.backward(seeds: [out: grad], pass: pass, rule: .gradient, weightGradients: true)

        var vars: [(key: String, value: Tensor, gradient: Tensor)] = []
        var owners: [(layer: any Layer, index: Int)] = []
        for layer in runGraph.layers where isTrainable(layer) {
            guard let grads = back.weightGradients[ObjectIdentifier(layer)] else { continue }
            for (i, w) in layer.weights.enumerated() where w.trainable {
                vars.append(("\(key(layer))/\(w.name)", w.value, grads[i]))
                owners.append((layer, i))
            }
        }
        // Release the layers' references so the optimizer updates the buffers in place.
        for (layer, i) in owners { layer.weights[i].value = Tensor(zeros: [0]) }
        optimizer.step(&vars)
        for (k, (layer, i)) in owners.enumerated() {
            var w = vars[k].value
            if let c = constraints[key(layer)]?[i] { c.apply(&w) }   // Keras applies constraints after apply_gradients
            layer.weights[i].value = w
        }
        syncStandIns()
        return (loss, acc)
    }

    /// Loss, d loss / d output and accuracy for the run graph's output.
    func lossAndGradient(_ value: Tensor, _ y: Tensor) -> (Double, Tensor, Double) {
        if fromLogits {
            let (l, g) = CategoricalCrossEntropy.fromLogits(value, labels: y)
            var p = value
            Activation.softmaxLastAxis(&p)
            return (l, g, CategoricalCrossEntropy.accuracy(p, labels: y))
        }
        let (l, g) = CategoricalCrossEntropy.fromProbabilities(value, labels: y)
        return (l, g, CategoricalCrossEntropy.accuracy(value, labels: y))
    }

    func syncStandIns() {
        for s in standIns { s.original.weights = s.run.weights }
    }

    /// Keras `evaluate`: mean loss and accuracy in inference mode, batch by batch, through the inference plan
    /// (BatchNormalization folded, fused convolutions) of the current weights.
    public func evaluate(_ data: Dataset) throws -> (loss: Double, accuracy: Double) {
        var lossSum = 0.0, correct = 0.0
        guard data.count > 0 else { return (0, 0) }
        let plan = InferencePlan(graph: runGraph)
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let idx = Array(start..<min(start + batchSize, data.count))
            let (x, y) = try data.batch(idx, preprocess: preprocess)
            let v = try plan.predict(x)
            let (l, _, a) = lossAndGradient(v, y)
            lossSum += l * Double(idx.count)
            correct += a * Double(idx.count)
        }
        return (lossSum / Double(data.count), correct / Double(data.count))
    }

    // MARK: Epochs

    /// Keras `fit`: runs from the current position to `epochs`, validating at each epoch end.
    public func fit(_ train: Dataset, validation: Dataset? = nil) throws -> TrainingOutcome {
        guard train.count > 0 else { throw TrainingError.badData("no training images") }
        let batches = (train.count + batchSize - 1) / batchSize
        if position.epoch == 0 && position.batch == 0 && position.seen == 0 { earlyStopping?.reset() }
        while position.epoch < epochs {
            let epoch = position.epoch
            let order = train.order(epoch: epoch, seed: seed, shuffle: shuffle)
            while position.batch < batches {
                let b = position.batch
                let started = Date()
                let idx = Array(order[(b * batchSize)..<min((b + 1) * batchSize, train.count)])
                var rng = SeededRandom(seed: Dataset.mix(seed, UInt64(epoch), UInt64(b), 0x4155_4730))   // "AUG0"
                let aug = augmentation.flatMap { a in a.isIdentity ? nil : { (img: Image) in a.augment(img, random: &rng) } }
                let (x, y) = try train.batch(idx, preprocess: preprocess, augment: aug)
                let (l, a) = try trainStep(x: x, y: y, dropoutSeed: Dataset.mix(seed, UInt64(epoch), UInt64(b), 0x4452_4F50))   // "DROP"
                position.lossSum += l * Double(idx.count)
                position.correct += a * Double(idx.count)
                position.seen += idx.count
                position.seconds += Date().timeIntervalSince(started)
                position.batch += 1
                onBatch?(BatchProgress(epoch: epoch, epochs: epochs, batch: b, batches: batches,
                                       loss: position.lossSum / Double(position.seen), accuracy: position.correct / Double(position.seen),
                                       imagesPerSecond: Double(position.seen) / max(position.seconds, 1e-9),
                                       learningRate: Double(optimizer.currentLearningRate)))
                if shouldStop() { return .interrupted(epoch: epoch, batch: position.batch) }
            }
            var log = EpochLog(epoch: epoch, loss: position.lossSum / Double(position.seen), accuracy: position.correct / Double(position.seen),
                               learningRate: Double(optimizer.currentLearningRate), seconds: position.seconds,
                               imagesPerSecond: Double(position.seen) / max(position.seconds, 1e-9))
            if let validation, validation.count > 0 {
                let (vl, va) = try evaluate(validation)
                log.valLoss = vl
                log.valAccuracy = va
            }
            history.epochs.append(log)
            onEpoch?(log)
            position = TrainingCheckpoint.Position(epoch: epoch + 1)
            if var es = earlyStopping {
                let stop = es.epochEnded(epoch, value: es.value(in: log), weights: { self.currentWeights() })
                earlyStopping = es
                if stop {
                    history.stoppedEpoch = epoch
                    finishEarlyStopping()
                    return .stoppedEarly(epoch: epoch)
                }
            }
        }
        finishEarlyStopping()
        return .completed
    }

    /// Keras `EarlyStopping.on_train_end`: restores the best weights when asked to.
    func finishEarlyStopping() {
        guard let es = earlyStopping, let best = es.weightsToRestore else { return }
        try? setWeights(best)
        history.restoredEpoch = es.bestEpoch
    }

    // MARK: Weights and checkpoints

    /// Every layer's variables by layer key (layers without variables are left out).
    public func currentWeights() -> [String: [Tensor]] {
        var out: [String: [Tensor]] = [:]
        for layer in graph.layers where !layer.weights.isEmpty { out[key(layer)] = layer.weights.map(\.value) }
        return out
    }

    /// Sets variables by layer key (shapes must match); layers not named are left alone.
    public func setWeights(_ table: [String: [Tensor]]) throws {
        for layer in graph.layers {
            guard let values = table[key(layer)] else { continue }
            guard values.count == layer.weights.count, zip(values, layer.weights).allSatisfy({ $0.shape == $1.value.shape }) else {
                throw TrainingError.badCheckpoint("variables of layer '\(layer.name)' do not match the model")
            }
            for i in values.indices { layer.weights[i].value = values[i] }
        }
        for s in standIns { s.run.weights = s.original.weights }
    }

    /// The state to continue this run later.
    public func checkpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(model: graph.name, seed: seed, position: position, optimizerKind: optimizer.kind,
                           schedule: optimizer.schedule, optimizer: optimizer.state, weights: currentWeights(),
                           history: history, earlyStopping: earlyStopping)
    }

    /// Continues from `checkpoint`: weights, optimizer state, position, history and early stopping.
    public func resume(from checkpoint: TrainingCheckpoint) throws {
        guard checkpoint.optimizerKind == optimizer.kind else {
            throw TrainingError.badCheckpoint("made with \(checkpoint.optimizerKind), this run uses \(optimizer.kind)")
        }
        let missing = graph.layers.filter { !$0.weights.isEmpty && checkpoint.weights[key($0)] == nil }.map(\.name)
        guard missing.isEmpty else { throw TrainingError.badCheckpoint("has no variables for layer(s) \(missing.joined(separator: ", "))") }
        try setWeights(checkpoint.weights)
        optimizer.state = checkpoint.optimizer
        optimizer.schedule = checkpoint.schedule
        seed = checkpoint.seed
        position = checkpoint.position
        history = checkpoint.history
        if let saved = checkpoint.earlyStopping { earlyStopping = saved }
    }
}
