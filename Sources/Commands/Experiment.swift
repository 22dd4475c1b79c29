import FileSupport
import Foundation
import Graph
import Imaging
import Matching
import Report
import Tensor
import Training
import Visualize

/// Settings of `convscope experiment` (the paper's Sect. 3.3 study). Everything that changes the
/// numbers is here, so a resumed run can check it continues the same study.
public struct ExperimentSettings: Codable, Equatable, Sendable {
    /// Class whose images `--images` holds (284 = Siamese cat in ImageNet).
    public var classIndex = 284
    public var rounds = 20
    /// Maximize this layer's channel instead of the class score.
    public var targetLayer: String?
    public var targetChannel = 0
    public var seed: UInt64 = 0
    /// Retraining of each round (defaults: the paper's).
    public var training = TrainSettings.paperRetraining
    /// Activation maximization: the paper's Algorithm 1 (`paper`) or the regularised variant.
    public var maximizeMethod = "paper"
    public var maximizeSteps = 20
    public var maximizeStepSize = 1.0
    /// Matching and bag of words (the paper's: 224×224, 100 RANSAC trials, 10 words).
    public var matchSize = 224
    public var ransacTrials = 100
    public var words = 10
    /// Index (in sorted file order) of the training image shown in the DeconvNet montages.
    public var deconvImage = 0

    public init() {}

    public func validate() throws {
        guard rounds > 0 else { throw CommandError("--rounds must be positive") }
        guard maximizeSteps > 0 else { throw CommandError("--maximize-steps must be positive") }
        guard maximizeStepSize > 0, maximizeStepSize.isFinite else { throw CommandError("--maximize-step-size must be positive") }
        guard ["paper", "regularized"].contains(maximizeMethod) else { throw CommandError("--maximize-method must be paper or regularized") }
        guard matchSize >= 16 else { throw CommandError("--match-size must be at least 16") }
        guard ransacTrials > 0 else { throw CommandError("--ransac-trials must be positive") }
        guard words > 0 else { throw CommandError("--words must be positive") }
        guard deconvImage >= 0 else { throw CommandError("--deconv-image must be non-negative") }
        try training.validate()
    }

    var target: MaximizationTarget {
        if let l = targetLayer { return .channel(layer: l, channel: targetChannel) }
        return .classScore(classIndex, probability: false)
    }

    /// Per-round seed: rounds differ, and any round can be recomputed alone (resume).
    public func roundSeed(_ round: Int) -> UInt64 {
        SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(round + 1))
    }
}

// MARK: Results (Schemas/experiment.schema.json)

/// One method's matching of one reconstruction against every training image.
public struct ExperimentMatch: Codable, Equatable, Sendable {
    public var queryKeypoints: Int
    /// Per training image (file order): RANSAC inliers and contribution (inliers / all inliers).
    public var inliers: [Int]
    public var contributions: [Double]
    /// Training image with the largest contribution (first on ties).
    public var closestImage: String
    public var closestIndex: Int
}

/// Bag-of-words scores of one reconstruction (Table 3 keeps `maxScore`).
public struct ExperimentBoW: Codable, Equatable, Sendable {
    public var scores: [Double]
    public var maxScore: Double
    public var bestImage: String
}

/// A reconstruction ("before" or "after" retraining) and how it matches the training images.
public struct ExperimentPhase: Codable, Equatable, Sendable {
    /// Objective (class score or mean channel activation) at the first and last step.
    public var objectiveStart: Double
    public var objectiveEnd: Double
    /// PNG of the reconstruction, relative to the output folder.
    public var image: String
    public var sift: ExperimentMatch
    public var harris: ExperimentMatch
    public var bow: ExperimentBoW
}

/// How far one layer's variables moved in a round (all its variables together): the measures of
/// `convscope diff` (WeightDiff), computed on the weights in memory.
public struct RoundLayerChange: Codable, Equatable, Sendable {
    public var layer: String
    public var parameters: Int
    /// ‖W_after − W_before‖₂, ‖ΔW‖ / ‖W_before‖, cosine(W_before, W_after), max |ΔW|.
    public var l2Change: Double
    public var relativeChange: Double
    public var cosine: Double
    public var maxAbsChange: Double
}

/// Loss and accuracy per epoch of one round's retraining (no timings, so results are reproducible).
public struct TrainingCurve: Codable, Equatable, Sendable {
    public var loss: [Double]
    public var accuracy: [Double]
    public var valLoss: [Double]?
    public var valAccuracy: [Double]?
    public var epochs: Int
    public var stoppedEpoch: Int?
    public var restoredEpoch: Int?
}

public struct ExperimentRound: Codable, Equatable, Sendable {
    public var round: Int
    public var seed: UInt64
    public var before: ExperimentPhase
    public var after: ExperimentPhase
    public var training: TrainingCurve
    public var weightChange: [RoundLayerChange]
}

public struct ExperimentResults: Codable, Equatable, Sendable {
    public struct Summary: Codable, Equatable, Sendable {
        public var mean: Double
        public var median: Double
    }
    public struct Table3: Codable, Equatable, Sendable {
        public var scheme: String
        public var words: Int
        public var before: Summary
        public var after: Summary
    }
    public struct Figure6: Codable, Equatable, Sendable {
        public var method: String
        public var phase: String
        /// The (up to) 11 images with the largest mean contribution, with mean and std over rounds.
        public var images: [String]
        public var mean: [Double]
        public var std: [Double]
        public var png: String
    }
    public struct LayerSummary: Codable, Equatable, Sendable {
        public var layer: String
        public var meanRelativeChange: Double
        public var stdRelativeChange: Double
    }
    public struct Target: Codable, Equatable, Sendable {
        public var kind: String
        public var classIndex: Int?
        public var layer: String?
        public var channel: Int?
        public var label: String
    }

    public var schema = "convscope-experiment/1"
    public var model: String
    public var arch: String?
    public var images: [String]
    public var target: Target
    public var settings: ExperimentSettings
    public var rounds: [ExperimentRound]
    public var table3: Table3
    public var figure6: [Figure6]
    public var weightChange: [LayerSummary]
    /// Every figure's PNG, relative to the output folder.
    public var figures: [String: String]
    public var report: String
    public var table3Csv: String
}

/// Wall time per stage (kept out of results.json, which must be reproducible).
public struct ExperimentTimings: Codable, Sendable {
    public var rounds: [[String: Double]]
    public var totalSeconds: Double
    public var meanRoundSeconds: Double
    /// Share of each stage in the rounds' total time.
    public var stageShares: [String: Double]
}

/// What a finished round leaves on disk: its results plus what the figures need.
struct RoundRecord: Codable {
    var result: ExperimentRound
    /// Harris inlier matches with the closest image (Figure 7), before and after.
    var figure7Before: [PointMatch]
    var figure7After: [PointMatch]
    var timings: [String: Double]
}

/// Identity of a study, stored beside the rounds so `--resume` continues only the same one.
struct ExperimentManifest: Codable, Equatable {
    var model: String
    var arch: String?
    var images: [String]
    var settings: ExperimentSettings
}

public enum Experiment {
    public static let stages = ["deconv", "maximize_before", "training", "maximize_after", "weight_diff", "matching_sift", "matching_harris", "bow"]

    /// Runs the study: `rounds` rounds (each checkpointed under OUT/rounds), then the figures,
    /// results.json, table3.csv, timings.json and report.html.
    public static func run(model: LoadedModel, modelName: String, imagesDir: String, settings: ExperimentSettings,
                           options: ImageOptions, out: String, resume: Bool, quiet: Bool = false,
                           shouldStop: @escaping () -> Bool = { StopRequest.requested }) throws -> ExperimentResults {
        try settings.validate()
        let started = Date()
        let folder = try OutputFolder(out)
        let roundsDir = try OutputFolder(folder.path("rounds"))
        func log(_ s: String) { if !quiet { printError(s) } }

        // Data: the images labelled --class, as the model sees them and as the matcher sees them.
        let data = try Train.dataset(.folder(imagesDir), label: settings.classIndex,
                                     model: model, options: options)
        let paths = data.sources
        let names = paths.map { ($0 as NSString).lastPathComponent }
        guard settings.deconvImage < paths.count else { throw CommandError("--deconv-image \(settings.deconvImage): only \(paths.count) images") }
        let manifest = ExperimentManifest(model: modelName, arch: model.arch, images: names, settings: settings)
        let manifestPath = roundsDir.path("manifest.json")
        if resume, FileManager.default.fileExists(atPath: manifestPath) {
            var old = try stateDecoder().decode(ExperimentManifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
            old.settings.rounds = settings.rounds
            guard old == manifest else {
                throw CommandError("--resume: \(out) holds rounds of a different study (model, images or settings differ); use another --out or drop --resume")
            }
        } else if !resume {
            try? FileManager.default.removeItem(atPath: roundsDir.url.path)
            _ = try OutputFolder(roundsDir.url.path)
        }
        try AtomicFile.write(data: try stateEncoder().encode(manifest), to: URL(fileURLWithPath: manifestPath))

        // The pretrained weights every round starts from.
        let probe = try Train.trainer(for: model, settings: settings.training, options: options)
        let pretrained = probe.currentWeights()
        let order = model.graph.nodes.map(\.name).filter { pretrained[$0] != nil }
        let target = settings.target
        _ = try ActivationMaximizer(graph: model.graph, target: target)   // checks the class / layer / channel up front

        // Features of the training images, extracted once.
        log("experiment: \(paths.count) images, \(settings.rounds) round(s); preparing SIFT, Harris and bag-of-words features")
        let matchImages = try paths.enumerated().map { (names[$0.offset], try ImageFile.load($0.element)) }
        var siftOptions = MatchOptions(method: .sift), harrisOptions = MatchOptions(method: .harris)
        siftOptions.size = settings.matchSize; harrisOptions.size = settings.matchSize
        siftOptions.trials = settings.ransacTrials; harrisOptions.trials = settings.ransacTrials
        siftOptions.seed = settings.seed; harrisOptions.seed = settings.seed
        let siftDB = MatchDatabase(images: matchImages, options: siftOptions)
        let harrisDB = MatchDatabase(images: matchImages, options: harrisOptions)
        var bowOptions = BoWOptions()
        bowOptions.words = settings.words
        bowOptions.seed = settings.seed
        bowOptions.scheme = .nnVisu
        bowOptions.size = settings.matchSize
        let bowIndex = BoWIndex(dataset: matchImages, options: bowOptions)

        var records: [RoundRecord] = []
        var thisRunSeconds: [Double] = []
        for r in 0..<settings.rounds {
            let file = roundsDir.path(String(format: "round_%03d.json", r + 1))
            if resume, let data = try? Data(contentsOf: URL(fileURLWithPath: file)),
               let rec = try? stateDecoder().decode(RoundRecord.self, from: data), rec.result.round == r + 1 {
                records.append(rec)
                log("round \(r + 1) of \(settings.rounds): done earlier, kept")
                continue
            }
            let roundStart = Date()
            let left = settings.rounds - r
            let eta = thisRunSeconds.isEmpty ? "time left: estimating" : "time left ~\(duration(thisRunSeconds.reduce(0, +) / Double(thisRunSeconds.count) * Double(left)))"
            let rec = try runRound(r, model: model, settings: settings, options: options, data: data, paths: paths, names: names,
                                   pretrained: pretrained, order: order, target: target, siftDB: siftDB, harrisDB: harrisDB,
                                   bowIndex: bowIndex, roundsDir: roundsDir, quiet: quiet, shouldStop: shouldStop,
                                   log: { stage in log("round \(r + 1) of \(settings.rounds): \(stage) — \(eta)") })
            try AtomicFile.write(data: try stateEncoder().encode(rec), to: URL(fileURLWithPath: file))
            records.append(rec)
            thisRunSeconds.append(Date().timeIntervalSince(roundStart))
            log(String(format: "round %d of %d: finished in %@ (BoW max before %.3f, after %.3f)", r + 1, settings.rounds,
                       duration(thisRunSeconds.last!), rec.result.before.bow.maxScore, rec.result.after.bow.maxScore))
        }
        // Put the model back as it came.
        try probe.setWeights(pretrained)

        log("experiment: writing figures, results.json, table3.csv and report.html")
        let results = try summarize(records, model: model, modelName: modelName, names: names, settings: settings,
                                    folder: folder, matchImages: matchImages)
        let timings = timingSummary(records.map(\.timings), total: Date().timeIntervalSince(started))
        try AtomicFile.write(data: Data(try JSONOutput.string(timings).utf8), to: URL(fileURLWithPath: folder.path("timings.json")))
        try writeReport(results, records: records, timings: timings, folder: folder, modelName: modelName, imagesDir: imagesDir)
        try AtomicFile.write(data: Data(try JSONOutput.string(results).utf8), to: URL(fileURLWithPath: folder.path("results.json")))
        return results
    }

    /// Round checkpoints and the manifest: Swift's own key names (read back exactly), non-finite numbers kept.
    static func stateEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    static func stateDecoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : (t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : "\(t)s")
    }

    // MARK: One round

    static func runRound(_ r: Int, model: LoadedModel, settings: ExperimentSettings, options: ImageOptions, data: Dataset,
                         paths: [String], names: [String], pretrained: [String: [Tensor]], order: [String],
                         target: MaximizationTarget, siftDB: MatchDatabase, harrisDB: MatchDatabase, bowIndex: BoWIndex,
                         roundsDir: OutputFolder, quiet: Bool, shouldStop: @escaping () -> Bool,
                         log: (String) -> Void) throws -> RoundRecord {
        let seed = settings.roundSeed(r)
        let dir = try OutputFolder(roundsDir.path(String(format: "round_%03d", r + 1)))
        let rel = "rounds/" + String(format: "round_%03d", r + 1) + "/"
        var timings: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            defer { timings[stage, default: 0] += Date().timeIntervalSince(t0) }
            return try body()
        }
        func checkStop(_ stage: String) throws {
            if shouldStop() {
                throw CommandError("\(StopRequest.stoppedHow) in round \(r + 1) (\(stage)); finished rounds are kept in \(roundsDir.url.path); rerun with --resume to continue",
                                   exitCode: 130)
            }
        }

        var trainSettings = settings.training
        trainSettings.seed = seed
        let trainer = try Train.trainer(for: model, settings: trainSettings, options: options)
        try trainer.setWeights(pretrained)

        let deconvInput = r == 0 ? try options.load([paths[settings.deconvImage]], for: model) : nil
        if let deconvInput {
            log("DeconvNet projections before retraining")
            _ = try timed("deconv") { try dir.png(deconvMontage(model: model, input: deconvInput, title: "before"), "deconv_before.png") }
        }
        try checkStop("maximize before")
        log("maximizing \(describe(target, model: model)) before retraining")
        let (beforeX, beforeObj) = try timed("maximize_before") { try maximize(model: model, target: target, settings: settings, seed: seed, options: options) }
        let beforeImage = Maximize.displayImage(beforeX, method: MaximizationSettings.Method(rawValue: settings.maximizeMethod)!, mode: options.mode(for: model))
        try dir.png(beforeImage, "before.png")
        try dir.npy(beforeX, "before.npy")

        try checkStop("training")
        log("retraining on \(data.count) images (\(trainSettings.epochs) epochs)")
        let (train, validation) = try data.split(validationFraction: trainSettings.validationSplit)
        guard train.count > 0 else { throw CommandError("no training images left after the validation split") }
        trainer.shouldStop = shouldStop
        let batches = (train.count + trainSettings.batch - 1) / trainSettings.batch
        var bar: ProgressBar?
        var barEpoch = -1
        trainer.onBatch = { p in
            if p.epoch != barEpoch {
                barEpoch = p.epoch
                bar = ProgressBar(total: batches, label: "  round \(r + 1) epoch \(p.epoch + 1)/\(p.epochs)", quiet: quiet)
            }
            bar?.update(p.batch + 1, status: String(format: "loss %.4f acc %.3f %.0f img/s", p.loss, p.accuracy, p.imagesPerSecond))
        }
        let outcome = try timed("training") { () throws -> TrainingOutcome in
            do { return try trainer.fit(train, validation: validation.count > 0 ? validation : nil) } catch let e as TrainingError {
                throw CommandError(e.description)
            }
        }
        if case .interrupted = outcome { try checkStop("training") }
        let after = trainer.currentWeights()
        let h = trainer.history
        let hasVal = h.epochs.contains { $0.valLoss != nil }
        let curve = TrainingCurve(loss: h.epochs.map(\.loss), accuracy: h.epochs.map(\.accuracy),
                                  valLoss: hasVal ? h.epochs.map { $0.valLoss ?? .nan } : nil,
                                  valAccuracy: hasVal ? h.epochs.map { $0.valAccuracy ?? .nan } : nil,
                                  epochs: h.epochs.count, stoppedEpoch: h.stoppedEpoch, restoredEpoch: h.restoredEpoch)

        try checkStop("maximize after")
        log("maximizing \(describe(target, model: model)) after retraining")
        let (afterX, afterObj) = try timed("maximize_after") { try maximize(model: model, target: target, settings: settings, seed: seed, options: options) }
        let afterImage = Maximize.displayImage(afterX, method: MaximizationSettings.Method(rawValue: settings.maximizeMethod)!, mode: options.mode(for: model))
        try dir.png(afterImage, "after.png")
        try dir.npy(afterX, "after.npy")
        if let deconvInput {
            log("DeconvNet projections after retraining")
            _ = try timed("deconv") { try dir.png(deconvMontage(model: model, input: deconvInput, title: "after"), "deconv_after.png") }
        }
        let changes = timed("weight_diff") { weightChange(before: pretrained, after: after, order: order) }
        // Back to the pretrained weights for the next round (and for the caller).
        try trainer.setWeights(pretrained)

        try checkStop("matching")
        log("matching both reconstructions against \(names.count) images (SIFT, Harris, bag of words)")
        // The matcher reads the reconstructions as saved (8-bit PNG), so a resumed run sees the same input.
        let beforeSaved = try ImageFile.load(dir.path("before.png")), afterSaved = try ImageFile.load(dir.path("after.png"))
        let (sb, sa) = timed("matching_sift") { (siftDB.match(beforeSaved), siftDB.match(afterSaved)) }
        let (hb, ha) = timed("matching_harris") { (harrisDB.match(beforeSaved), harrisDB.match(afterSaved)) }
        let bow = timed("bow") { bowIndex.scores([("before", beforeSaved), ("after", afterSaved)]) }

        func phase(_ obj: (Double, Double), _ image: String, _ s: MatchResult, _ hr: MatchResult, _ b: BoWQueryScore) -> ExperimentPhase {
            ExperimentPhase(objectiveStart: obj.0, objectiveEnd: obj.1, image: rel + image, sift: summary(s), harris: summary(hr),
                            bow: ExperimentBoW(scores: b.scores, maxScore: b.bestScore, bestImage: b.bestImage))
        }
        let result = ExperimentRound(round: r + 1, seed: seed,
                                     before: phase(beforeObj, "before.png", sb, hb, bow.queries[0]),
                                     after: phase(afterObj, "after.png", sa, ha, bow.queries[1]),
                                     training: curve, weightChange: changes)
        func inliers(_ m: MatchResult) -> [PointMatch] {
            guard let best = m.ranking.first else { return [] }
            return m.images[best.index].matches.filter(\.inlier)
        }
        return RoundRecord(result: result, figure7Before: inliers(hb), figure7After: inliers(ha), timings: timings)
    }

    static func summary(_ m: MatchResult) -> ExperimentMatch {
        let best = m.ranking.first?.index ?? 0
        return ExperimentMatch(queryKeypoints: m.queryKeypoints, inliers: m.images.map(\.inliers), contributions: m.images.map(\.contribution),
                               closestImage: m.images.isEmpty ? "" : m.images[best].name, closestIndex: best)
    }

    static func describe(_ t: MaximizationTarget, model: LoadedModel) -> String { Maximize.describe(t, classes: model.classCount) }

    /// One reconstruction: returns the input tensor and the objective at the first and last step.
    static func maximize(model: LoadedModel, target: MaximizationTarget, settings: ExperimentSettings, seed: UInt64,
                         options: ImageOptions) throws -> (Tensor, (Double, Double)) {
        let m = try ActivationMaximizer(graph: model.graph, target: target)
        var s = MaximizationSettings()
        s.method = MaximizationSettings.Method(rawValue: settings.maximizeMethod)!
        s.steps = settings.maximizeSteps
        s.stepSize = Float(settings.maximizeStepSize)
        s.seed = seed
        let mode = options.mode(for: model)
        if s.method == .regularized {
            s.jitter = 2; s.blurSigma = 0.5; s.decay = 0.0005; s.octaves = 2
            s.clip = Maximize.validRange(mode)
        }
        let x0 = try Maximize.startTensor(.noise, maximizer: m, model: model, options: options, mode: mode, method: s.method, seed: seed)
        let (x, steps) = try m.run(from: x0, settings: s)
        return (x, (steps.first?.objective ?? 0, steps.last?.objective ?? 0))
    }

    /// DeconvNet projections of the strongest map of every convolution/pooling layer, beside the input.
    static func deconvMontage(model: LoadedModel, input: ModelInput, title: String) throws -> Image {
        let projector = try FeatureProjector(graph: model.graph)
        let layers = projector.defaultLayers
        let projections = try projector.project(input.tensor, layers: layers, selection: .strongest, rule: .deconvnet, seed: .activation)
        var tiles = [Montage.Tile(displayZoom(input.displayImage(0).toRGB(), minSide: 96), caption: "input")]
        for p in projections { tiles.append(.init(displayZoom(Deconv.projectionImage(p.pixels).toRGB(), minSide: 96), caption: "\(p.layer) #\(p.channel)")) }
        return Montage.grid(tiles, columns: min(tiles.count, 7), padding: 6)
    }

    /// Per layer (depth order): how far all its variables moved together.
    public static func weightChange(before: [String: [Tensor]], after: [String: [Tensor]], order: [String]) -> [RoundLayerChange] {
        order.compactMap { key in
            guard let a = before[key], let b = after[key], a.count == b.count else { return nil }
            var dd = 0.0, aa = 0.0, bb = 0.0, ab = 0.0, mx = 0.0, n = 0
            for (x, y) in zip(a, b) {
                for (u, v) in zip(x.data, y.data) {
                    let du = Double(v) - Double(u)
                    dd += du * du; aa += Double(u) * Double(u); bb += Double(v) * Double(v); ab += Double(u) * Double(v)
                    mx = max(mx, abs(du))
                }
                n += x.count
            }
            let cos = aa > 0 && bb > 0 ? ab / (aa.squareRoot() * bb.squareRoot()) : (aa == bb ? 1 : 0)
            return RoundLayerChange(layer: key, parameters: n, l2Change: dd.squareRoot(), relativeChange: aa > 0 ? dd.squareRoot() / aa.squareRoot() : 0,
                               cosine: cos, maxAbsChange: mx)
        }
    }

    // MARK: Summary and figures

    static func meanStd(_ v: [Double]) -> (Double, Double) {
        guard !v.isEmpty else { return (0, 0) }
        let m = v.reduce(0, +) / Double(v.count)
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot())
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func summarize(_ records: [RoundRecord], model: LoadedModel, modelName: String, names: [String], settings: ExperimentSettings,
                          folder: OutputFolder, matchImages: [(String, Image)]) throws -> ExperimentResults {
        let rounds = records.map(\.result)
        var figures: [String: String] = [:]
        func save(_ img: Image, _ name: String, key: String) throws {
            try folder.png(img, name)
            figures[key] = name
        }
        // Table 3.
        let maxBefore = rounds.map(\.before.bow.maxScore), maxAfter = rounds.map(\.after.bow.maxScore)
        let table3 = ExperimentResults.Table3(scheme: TFIDFScheme.nnVisu.rawValue, words: settings.words,
                                              before: .init(mean: meanStd(maxBefore).0, median: median(maxBefore)),
                                              after: .init(mean: meanStd(maxAfter).0, median: median(maxAfter)))
        var csv = "phase,mean_max_score,median_max_score,rounds\n"
        csv += String(format: "before,%.6f,%.6f,%d\n", table3.before.mean, table3.before.median, rounds.count)
        csv += String(format: "after,%.6f,%.6f,%d\n", table3.after.mean, table3.after.median, rounds.count)
        try AtomicFile.write(data: Data(csv.utf8), to: URL(fileURLWithPath: folder.path("table3.csv")))

        // Figure 6: per method and phase, mean ± std over rounds of each image's contribution, top 11.
        var fig6: [ExperimentResults.Figure6] = []
        for method in ["sift", "harris"] {
            for phase in ["before", "after"] {
                let per = rounds.map { r -> [Double] in
                    let p = phase == "before" ? r.before : r.after
                    return (method == "sift" ? p.sift : p.harris).contributions
                }
                let stats = names.indices.map { i in meanStd(per.map { $0[i] }) }
                let top = names.indices.sorted { stats[$0].0 > stats[$1].0 || (stats[$0].0 == stats[$1].0 && $0 < $1) }.prefix(11)
                let file = "figure6_\(method)_\(phase).png"
                let chart = BarChart(categories: top.map { names[$0] }, values: top.map { stats[$0].0 }, errors: top.map { stats[$0].1 },
                                     title: "\(method == "sift" ? "SIFT" : "Harris"), \(phase) retraining",
                                     xLabel: "training image", yLabel: "contribution", color: phase == "before" ? .blue : .orange)
                try save(chart.render(), file, key: "figure6_\(method)_\(phase)")
                fig6.append(.init(method: method, phase: phase, images: top.map { names[$0] }, mean: top.map { stats[$0].0 },
                                  std: top.map { stats[$0].1 }, png: file))
            }
        }

        // Figure 7: Harris matches between round 1's reconstructions and their closest images.
        if let first = records.first {
            for (phase, p, matches) in [("before", first.result.before, first.figure7Before), ("after", first.result.after, first.figure7After)] {
                let query = try ImageFile.load(folder.path(p.image))
                let other = matchImages[p.harris.closestIndex].1
                let plot = MatchPlot.render(query: query, other: other, matches: matches, size: settings.matchSize)
                try save(plot, "figure7_\(phase).png", key: "figure7_\(phase)")
            }
        }

        // Reconstructions of every round, before and after side by side.
        var tiles: [Montage.Tile] = []
        for r in rounds {
            tiles.append(.init(displayZoom(try ImageFile.load(folder.path(r.before.image)).toRGB(), minSide: 96), caption: "r\(r.round) before"))
            tiles.append(.init(displayZoom(try ImageFile.load(folder.path(r.after.image)).toRGB(), minSide: 96), caption: "r\(r.round) after"))
        }
        try save(Montage.grid(tiles, columns: min(tiles.count, 10), padding: 6), "reconstructions.png", key: "reconstructions")

        // DeconvNet montages of one training image (made in round 1).
        for phase in ["before", "after"] {
            let src = folder.path("rounds/round_001/deconv_\(phase).png")
            try save(try ImageFile.load(src), "deconv_\(phase).png", key: "deconv_\(phase)")
        }

        // Weight change per layer: mean ± std over rounds of the relative change.
        let layers = rounds.first?.weightChange.map(\.layer) ?? []
        let layerStats = layers.indices.map { i in meanStd(rounds.map { $0.weightChange[i].relativeChange }) }
        let weightSummary = zip(layers, layerStats).map { ExperimentResults.LayerSummary(layer: $0, meanRelativeChange: $1.0, stdRelativeChange: $1.1) }
        let wchart = BarChart(categories: layers, values: layerStats.map(\.0), errors: layerStats.map(\.1),
                              title: "Relative weight change per layer",
                              xLabel: "layer (depth order)", yLabel: "relative change", color: .purple)
        try save(wchart.render(width: 720, height: 420), "weight_change.png", key: "weight_change")

        // Training curves: mean over the rounds that reached each epoch.
        try save(trainingCurves(rounds), "training_curves.png", key: "training_curves")

        let target: ExperimentResults.Target
        switch settings.target {
        case .classScore(let c, _):
            target = .init(kind: "class", classIndex: c, layer: nil, channel: nil, label: Maximize.describe(settings.target, classes: model.classCount))
        case .channel(let l, let k):
            target = .init(kind: "channel", classIndex: nil, layer: l, channel: k, label: Maximize.describe(settings.target, classes: model.classCount))
        }
        return ExperimentResults(model: modelName, arch: model.arch, images: names, target: target, settings: settings, rounds: rounds,
                                 table3: table3, figure6: fig6, weightChange: weightSummary, figures: figures,
                                 report: "report.html", table3Csv: "table3.csv")
    }

    static func trainingCurves(_ rounds: [ExperimentRound]) -> Image {
        let epochs = rounds.map(\.training.epochs).max() ?? 0
        func mean(_ pick: (TrainingCurve) -> [Double]?) -> [Double] {
            (0..<epochs).map { e in
                let v = rounds.compactMap { r -> Double? in
                    guard let a = pick(r.training), e < a.count, a[e].isFinite else { return nil }
                    return a[e]
                }
                return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
            }
        }
        var h = History()
        let loss = mean { $0.loss }, acc = mean { $0.accuracy }, vl = mean { $0.valLoss }, va = mean { $0.valAccuracy }
        let hasVal = rounds.contains { $0.training.valLoss != nil }
        for e in 0..<epochs {
            h.epochs.append(EpochLog(epoch: e, loss: loss[e], accuracy: acc[e], valLoss: hasVal ? vl[e] : nil, valAccuracy: hasVal ? va[e] : nil))
        }
        return Train.historyPlot(h, title: "Retraining (mean of \(rounds.count) rounds)")
    }

    static func timingSummary(_ rounds: [[String: Double]], total: Double) -> ExperimentTimings {
        var sums: [String: Double] = [:]
        for r in rounds { for (k, v) in r { sums[k, default: 0] += v } }
        let all = sums.values.reduce(0, +)
        let roundTotals = rounds.map { $0.values.reduce(0, +) }
        return ExperimentTimings(rounds: rounds, totalSeconds: total,
                                 meanRoundSeconds: roundTotals.isEmpty ? 0 : roundTotals.reduce(0, +) / Double(roundTotals.count),
                                 stageShares: sums.mapValues { all > 0 ? $0 / all : 0 })
    }

    // MARK: Report

    static func writeReport(_ r: ExperimentResults, records: [RoundRecord], timings: ExperimentTimings, folder: OutputFolder,
                            modelName: String, imagesDir: String) throws {
        func png(_ key: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: folder.path(r.figures[key]!))) }
        let s = r.settings, t = s.training
        var page = HTMLReport(title: "ConvScope retraining experiment",
                              subtitle: "\(modelName) — \(r.target.label) — \(r.rounds.count) round(s) on \(r.images.count) images (the paper's Sect. 3.3)")
        page.section("Settings") { sec in
            sec.table(["setting", "value"], [
                ["model", modelName + (r.arch.map { " (--arch \($0))" } ?? "")],
                ["images", "\(imagesDir) (\(r.images.count) images, labelled class \(s.classIndex))"],
                ["target", r.target.label],
                ["rounds", "\(s.rounds)"], ["seed", "\(s.seed)"],
                ["optimizer", "\(t.optimizer), lr \(t.learningRate.map { "\($0)" } ?? "default"), decay \(t.decay)" + (t.optimizer == "sgd" ? ", momentum \(t.momentum)" : "")],
                ["epochs / batch", "\(t.epochs) / \(t.batch)"],
                ["validation split", "\(t.validationSplit)"],
                ["early stopping", t.earlyStopping.map { "monitor \($0.monitor.rawValue), min_delta \($0.minDelta), patience \($0.patience)\($0.restoreBestWeights ? ", restore best weights" : "")" } ?? "off"],
                ["augmentation", t.augmentation.map { "rotation \($0.rotationRange), width shift \($0.widthShiftRange), height shift \($0.heightShiftRange), flip \($0.horizontalFlip)" } ?? "none"],
                ["frozen layers", t.freeze.isEmpty ? "none" : t.freeze.joined(separator: ", ")],
                ["activation maximization", "\(s.maximizeMethod), \(s.maximizeSteps) steps of size \(s.maximizeStepSize); before and after start from the same noise"],
                ["matching", "grey, \(s.matchSize)x\(s.matchSize); SIFT: nearest neighbour, RANSAC similarity 15 px; Harris: 11x11 Gaussian SSD, RANSAC affine 2 px; \(s.ransacTrials) trials"],
                ["bag of words", "\(s.words) words, tf-idf as the authors' code (nn-visu)"],
            ])
        }
        page.section("Table 3 — maximum bag-of-words score") { sec in
            sec.table(["", "mean max score", "median max score"], [
                ["before retraining", String(format: "%.3f", r.table3.before.mean), String(format: "%.3f", r.table3.before.median)],
                ["after retraining", String(format: "%.3f", r.table3.after.mean), String(format: "%.3f", r.table3.after.median)],
            ], caption: "Per round, the largest cosine score between a reconstruction's visual-word histogram and any training image's; mean and median over \(r.rounds.count) rounds. Paper (Conv): 0.953/0.953 before, 0.940/0.941 after.")
            sec.paragraph("Weights follow the authors' code (idf = ln(N / (n_w + 1)), weight = count · max(tf·idf, 1e-4), the query counted among the images). With 10 words nearly every word occurs in every image, so the textbook idf ln(N / n_w) is 0 and all scores collapse; the authors' variant is what gives the paper's scale of about 0.95.")
        }
        try page.section("Figure 6 — contributions of the training images") { sec in
            var items: [(png: Data, caption: String)] = []
            for m in ["sift", "harris"] {
                for p in ["before", "after"] {
                    items.append((try png("figure6_\(m)_\(p)"), "\(m == "sift" ? "SIFT" : "Harris"), \(p) retraining"))
                }
            }
            sec.figureGrid(items, columns: 2)
            sec.paragraph("Contribution of a training image = RANSAC inliers between the reconstruction and that image / inliers with all images. Bars: the 11 largest mean contributions over \(r.rounds.count) round(s); error bars: one standard deviation.")
        }
        try page.section("Figure 7 — matches with the closest image") { sec in
            var items: [(png: Data, caption: String)] = []
            for p in ["before", "after"] where r.figures["figure7_\(p)"] != nil {
                let ph = p == "before" ? r.rounds[0].before : r.rounds[0].after
                items.append((try png("figure7_\(p)"), "Round 1, \(p) retraining: Harris matches kept by RANSAC between the reconstruction (left) and its closest training image \(ph.harris.closestImage) (right), \(ph.harris.inliers[ph.harris.closestIndex]) inliers."))
            }
            sec.figureGrid(items, columns: 2)
        }
        try page.section("Reconstructions of every round") { sec in
            sec.figure(png: try png("reconstructions"), caption: "Activation maximization of \(r.target.label) before and after retraining, round by round (Figures 4 and 5).")
            sec.table(["round", "BoW max before", "best image", "BoW max after", "best image", "epochs", "early stop", "objective before", "objective after"],
                      r.rounds.map { x in
                          [String(x.round), String(format: "%.3f", x.before.bow.maxScore), x.before.bow.bestImage,
                           String(format: "%.3f", x.after.bow.maxScore), x.after.bow.bestImage, String(x.training.epochs),
                           x.training.stoppedEpoch.map { "epoch \($0 + 1)" } ?? "no",
                           String(format: "%.3g", x.before.objectiveEnd), String(format: "%.3g", x.after.objectiveEnd)]
                      })
        }
        try page.section("DeconvNet projections of one training image") { sec in
            sec.figure(png: try png("deconv_before"), caption: "\(r.images[s.deconvImage]) with the pretrained weights: the strongest feature map of each convolution and pooling layer projected back to pixels.")
            sec.figure(png: try png("deconv_after"), caption: "The same image after round 1's retraining.")
        }
        try page.section("Weight change") { sec in
            sec.figure(png: try png("weight_change"), caption: "How far each layer moved during retraining: ||W_after - W_before|| / ||W_before||, mean over rounds; error bars one standard deviation.", maxWidth: 720)
            sec.table(["layer", "mean relative change", "std"], r.weightChange.map { [$0.layer, String(format: "%.4g", $0.meanRelativeChange), String(format: "%.2g", $0.stdRelativeChange)] })
        }
        try page.section("Training curves") { sec in
            sec.figure(png: try png("training_curves"), caption: "Loss and accuracy per epoch (training and validation), mean over the rounds that reached each epoch.")
        }
        page.section("Run time") { sec in
            let shares = timings.stageShares.sorted { $0.value > $1.value }
            sec.paragraph(String(format: "%.1f s in total, %.1f s per round on average (rounds computed in this run).", timings.totalSeconds, timings.meanRoundSeconds))
            sec.table(["stage", "share"], shares.map { [$0.key.replacingOccurrences(of: "_", with: " "), String(format: "%.1f %%", $0.value * 100)] })
        }
        try page.write(to: URL(fileURLWithPath: folder.path("report.html")))
    }

    public static func render(_ r: ExperimentResults, out: String) -> String {
        [String(format: "Table 3 (max BoW score over %d rounds): before mean %.3f median %.3f; after mean %.3f median %.3f",
                r.rounds.count, r.table3.before.mean, r.table3.before.median, r.table3.after.mean, r.table3.after.median),
         "report:  \((out as NSString).appendingPathComponent(r.report))",
         "results: \((out as NSString).appendingPathComponent("results.json")), \((out as NSString).appendingPathComponent(r.table3Csv))",
         "figures: " + r.figures.values.sorted().joined(separator: ", ")].joined(separator: "\n")
    }
}
