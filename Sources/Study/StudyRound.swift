import Foundation
import Imaging
import Matching
import Measures
import Tensor
import Training
import Visualize

/// One round of the study: maximize before, retrain, maximize after from the same start, then match
/// both reconstructions; its files go to OUT/rounds/round_NNN/.
struct StudyRound {
    /// From 0.
    let index: Int
    let inputs: StudyInputs
    let settings: ExperimentSettings
    let pretrained: [String: [Tensor]]
    /// Layers with weights, in depth order.
    let order: [String]
    let matcher: RoundMatcher
    let roundsDir: String
    let log: (String) -> Void

    func run() throws -> RoundRecord {
        let r = index
        let seed = settings.roundSeed(r)
        let dir = try StudyFiles.folder(StudyFiles.path(roundsDir, String(format: "round_%03d", r + 1)))
        func file(_ name: String) -> String { StudyFiles.path(dir, name) }
        let rel = "rounds/" + String(format: "round_%03d", r + 1) + "/"
        var timings: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            defer { timings[stage, default: 0] += Date().timeIntervalSince(t0) }
            return try body()
        }
        func checkStop(_ stage: String) throws {
            if let how = inputs.stopRequested() {
                throw StudyError.stopped("\(how) in round \(r + 1) (\(stage)); finished rounds are kept in \(URL(fileURLWithPath: roundsDir).path); rerun with --resume to continue")
            }
        }

        var trainSettings = settings.training
        trainSettings.seed = seed
        let trainer = try inputs.makeTrainer(trainSettings)
        try trainer.setWeights(pretrained)

        let deconvInput = r == 0 ? try inputs.deconvInput() : nil
        if let deconvInput {
            log("DeconvNet projections before retraining")
            _ = try timed("deconv") { try ImageFile.save(deconvMontage(deconvInput), to: file("deconv_before.png")) }
        }
        let method = settings.maximizeMethod
        try checkStop("maximize before")
        log("maximizing \(inputs.targetLabel) before retraining")
        let (beforeX, beforeObj) = try timed("maximize_before") { try maximize(seed: seed) }
        try ImageFile.save(ActivationMaximizer.displayImage(beforeX, method: method, mode: inputs.mode), to: file("before.png"))
        try NPY.write(beforeX, to: file("before.npy"))

        try checkStop("training")
        log("retraining on \(inputs.data.count) images (\(trainSettings.epochs) epochs)")
        let (train, validation) = try inputs.data.split(validationFraction: trainSettings.validationSplit)
        guard train.count > 0 else { throw StudyError.refused("no training images left after the validation split") }
        trainer.shouldStop = { inputs.stopRequested() != nil }
        trainer.onBatch = { p in inputs.onBatch(r + 1, p) }
        // Round 1: the feature evolution of the DeconvNet image during retraining (Z&F Fig. 4).
        let evolution = try deconvInput.map { d in
            try FeatureEvolution(graph: inputs.graph, image: d.tensor, layers: try FeatureEvolution.defaultLayers(inputs.graph),
                                 epochs: [0] + FeatureEvolution.spread(Array(1...max(trainSettings.epochs, 1)), count: 6))
        }
        var evolutionFailure: Error?
        if let evolution {
            log("feature evolution before retraining")
            _ = try timed("evolution") { try evolution.record(epoch: 0) }
            trainer.onEpoch = { e in
                guard evolutionFailure == nil else { return }
                do { _ = try timed("evolution") { try evolution.record(epoch: e.epoch + 1) } } catch { evolutionFailure = error }
            }
        }
        let outcome = try timed("training") { try trainer.fit(train, validation: validation.count > 0 ? validation : nil) }
        if case .interrupted = outcome { try checkStop("training") }
        if let evolutionFailure { throw evolutionFailure }
        if let evolution { try ImageFile.save(evolution.montage(), to: file("evolution.png")) }
        let after = trainer.currentWeights()
        let h = trainer.history
        let hasVal = h.epochs.contains { $0.valLoss != nil }
        let curve = TrainingCurve(loss: h.epochs.map(\.loss), accuracy: h.epochs.map(\.accuracy),
                                  valLoss: hasVal ? h.epochs.map { $0.valLoss ?? .nan } : nil,
                                  valAccuracy: hasVal ? h.epochs.map { $0.valAccuracy ?? .nan } : nil,
                                  epochs: h.epochs.count, stoppedEpoch: h.stoppedEpoch, restoredEpoch: h.restoredEpoch)

        try checkStop("maximize after")
        log("maximizing \(inputs.targetLabel) after retraining")
        let (afterX, afterObj) = try timed("maximize_after") { try maximize(seed: seed) }
        try ImageFile.save(ActivationMaximizer.displayImage(afterX, method: method, mode: inputs.mode), to: file("after.png"))
        try NPY.write(afterX, to: file("after.npy"))
        if let deconvInput {
            log("DeconvNet projections after retraining")
            _ = try timed("deconv") { try ImageFile.save(deconvMontage(deconvInput), to: file("deconv_after.png")) }
        }
        let changes = timed("weight_diff") {
            order.compactMap { key -> RoundLayerChange? in
                guard let a = pretrained[key], let b = after[key], a.count == b.count else { return nil }
                return RoundLayerChange(layer: key, WeightChange(a: a, b: b))
            }
        }
        // Back to the pretrained weights for the next round (and for the caller).
        try trainer.setWeights(pretrained)

        try checkStop("matching")
        log("matching both reconstructions against \(inputs.data.count) images (SIFT, Harris, bag of words)")
        // The matcher reads the reconstructions as saved (8-bit PNG), so a resumed run sees the same input.
        let beforeSaved = try ImageFile.load(file("before.png")), afterSaved = try ImageFile.load(file("after.png"))
        let (sb, sa) = timed("matching_sift") { (matcher.sift.match(beforeSaved), matcher.sift.match(afterSaved)) }
        let (hb, ha) = timed("matching_harris") { (matcher.harris.match(beforeSaved), matcher.harris.match(afterSaved)) }
        let bow = timed("bow") { matcher.bow.scores([("before", beforeSaved), ("after", afterSaved)]) }

        func phase(_ obj: (Double, Double), _ image: String, _ s: MatchResult, _ hr: MatchResult, _ b: BoWQueryScore) -> ExperimentPhase {
            ExperimentPhase(objectiveStart: obj.0, objectiveEnd: obj.1, image: rel + image,
                            sift: RoundMatcher.summary(s), harris: RoundMatcher.summary(hr),
                            bow: ExperimentBoW(scores: b.scores, maxScore: b.bestScore, bestImage: b.bestImage))
        }
        let result = ExperimentRound(round: r + 1, seed: seed,
                                     before: phase(beforeObj, "before.png", sb, hb, bow.queries[0]),
                                     after: phase(afterObj, "after.png", sa, ha, bow.queries[1]),
                                     training: curve, weightChange: changes)
        return RoundRecord(result: result, figure7Before: RoundMatcher.closestInliers(hb), figure7After: RoundMatcher.closestInliers(ha),
                           timings: timings)
    }

    /// One reconstruction from the round's noise: the input tensor and the objective at the first and last step.
    func maximize(seed: UInt64) throws -> (Tensor, (Double, Double)) {
        let m = try ActivationMaximizer(graph: inputs.graph, target: settings.target)
        let method = settings.maximizeMethod
        var s = method == .regularized ? MaximizationSettings.regularizedLight : MaximizationSettings()
        s.steps = settings.maximizeSteps
        s.stepSize = Float(settings.maximizeStepSize)
        s.seed = seed
        if method == .regularized { s.clip = ActivationMaximizer.validRange(inputs.mode) }
        let x0 = m.noiseStart(method: method, mode: inputs.mode, seed: seed)
        let (x, steps) = try m.run(from: x0, settings: s)
        return (x, (steps.first?.objective ?? 0, steps.last?.objective ?? 0))
    }

    /// DeconvNet projections of the strongest map of every convolution/pooling layer, beside the input.
    func deconvMontage(_ input: (tensor: Tensor, shown: Image)) throws -> Image {
        let projector = try FeatureProjector(graph: inputs.graph)
        let projections = try projector.project(input.tensor, layers: projector.defaultLayers, selection: .strongest, rule: .deconvnet, seed: .activation)
        var tiles = [Montage.Tile(displayZoom(input.shown.toRGB(), minSide: 96), caption: "input")]
        for p in projections { tiles.append(.init(displayZoom(Projection.image(p.pixels).toRGB(), minSide: 96), caption: "\(p.layer) #\(p.channel)")) }
        return Montage.grid(tiles, columns: min(tiles.count, 7), padding: 6)
    }
}
