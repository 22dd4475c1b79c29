import FileSupport
import Foundation
import Imaging
import Matching
import Tensor
import Training
import Visualize

/// The paper's Sect. 3.3 study: in each round, maximize the target with the pretrained weights ("before"),
/// retrain a copy on the class's images, maximize again from the same start ("after"), and match both
/// reconstructions against every training image (SIFT, Harris, bag of visual words); then the figures,
/// table3.csv and report.html.
public enum RetrainingStudy {
    /// Runs `settings.rounds` rounds into `out` (each checkpointed under OUT/rounds; with `resume`, the
    /// finished ones are kept), then writes the figures, table3.csv and report.html. The caller writes
    /// results.json and timings.json from what this returns. `settings` must be valid.
    public static func run(_ inputs: StudyInputs, settings: ExperimentSettings, out: String,
                           resume: Bool) throws -> (results: ExperimentResults, timings: ExperimentTimings) {
        let started = Date()
        let roundsDir = try StudyFiles.folder(StudyFiles.path(out, "rounds"))
        let log = inputs.log

        let data = inputs.data
        let paths = data.sources
        let names = paths.map { ($0 as NSString).lastPathComponent }
        guard settings.deconvImage < paths.count else { throw StudyError.refused("--deconv-image \(settings.deconvImage): only \(paths.count) images") }
        let manifestPath = StudyFiles.path(roundsDir, "manifest.json")
        var settings = settings
        if resume, FileManager.default.fileExists(atPath: manifestPath) {
            var (old, legacy) = try ExperimentManifest.read(manifestPath)
            old.settings.rounds = settings.rounds
            if legacy && settings.matching != .paper {
                // Rounds from before the matching rule was recorded were matched with the paper's rule: continue with it.
                log("--resume: \(out) was started before the matching rule was recorded; its rounds used the paper's matching, and so does the rest of the study")
                settings.matching = .paper
            }
            guard old == ExperimentManifest(model: inputs.modelName, arch: inputs.arch, images: names, settings: settings) else {
                throw StudyError.refused("--resume: \(out) holds rounds of a different study (model, images or settings differ); use another --out or drop --resume")
            }
        } else if !resume {
            try? FileManager.default.removeItem(atPath: roundsDir)
            _ = try StudyFiles.folder(roundsDir)
        }
        let manifest = ExperimentManifest(model: inputs.modelName, arch: inputs.arch, images: names, settings: settings)
        try AtomicFile.write(data: try RoundCheckpoint.encoder().encode(manifest), to: URL(fileURLWithPath: manifestPath))

        // The pretrained weights every round starts from.
        let probe = try inputs.makeTrainer(settings.training)
        let pretrained = probe.currentWeights()
        let order = inputs.graph.nodes.map(\.name).filter { pretrained[$0] != nil }
        _ = try ActivationMaximizer(graph: inputs.graph, target: settings.target)   // checks the class / layer / channel up front

        // Features of the training images, extracted once.
        log("experiment: \(paths.count) images, \(settings.rounds) round(s); preparing SIFT, Harris and bag-of-words features")
        let matchImages = try paths.enumerated().map { (names[$0.offset], try ImageFile.load($0.element)) }
        let matcher = RoundMatcher(images: matchImages, settings: settings)

        var records: [RoundRecord] = []
        var thisRunSeconds: [Double] = []
        for r in 0..<settings.rounds {
            let file = StudyFiles.path(roundsDir, String(format: "round_%03d.json", r + 1))
            if resume, let data = try? Data(contentsOf: URL(fileURLWithPath: file)),
               let rec = try? RoundCheckpoint.decoder().decode(RoundRecord.self, from: data), rec.result.round == r + 1 {
                records.append(rec)
                log("round \(r + 1) of \(settings.rounds): done earlier, kept")
                continue
            }
            let roundStart = Date()
            let left = settings.rounds - r
            let eta = thisRunSeconds.isEmpty ? "time left: estimating" : "time left ~\(duration(thisRunSeconds.reduce(0, +) / Double(thisRunSeconds.count) * Double(left)))"
            let round = StudyRound(index: r, inputs: inputs, settings: settings, pretrained: pretrained, order: order,
                                   matcher: matcher, roundsDir: roundsDir,
                                   log: { stage in log("round \(r + 1) of \(settings.rounds): \(stage) — \(eta)") })
            let rec = try round.run()
            try AtomicFile.write(data: try RoundCheckpoint.encoder().encode(rec), to: URL(fileURLWithPath: file))
            records.append(rec)
            thisRunSeconds.append(Date().timeIntervalSince(roundStart))
            log(String(format: "round %d of %d: finished in %@ (BoW max before %.3f, after %.3f)", r + 1, settings.rounds,
                       duration(thisRunSeconds.last!), rec.result.before.bow.maxScore, rec.result.after.bow.maxScore))
        }
        // Put the model back as it came.
        try probe.setWeights(pretrained)

        log("experiment: writing figures, results.json, table3.csv and report.html")
        let results = try StudyFigures.summarize(records, inputs: inputs, names: names, settings: settings, out: out, matchImages: matchImages)
        let timings = ExperimentTimings(rounds: records.map(\.timings), totalSeconds: Date().timeIntervalSince(started))
        try StudyReport.write(results, timings: timings, out: out, modelName: inputs.modelName, imagesDir: inputs.imagesDir)
        return (results, timings)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : (t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : "\(t)s")
    }
}

/// Paths and folders of the study's output.
enum StudyFiles {
    static func path(_ folder: String, _ name: String) -> String { URL(fileURLWithPath: folder).appendingPathComponent(name).path }

    /// Creates `path` (and its parents) if needed; returns it as a file URL's path.
    static func folder(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw StudyError.refused("\(path): cannot create the output folder (\(error.localizedDescription))")
        }
        return url.path
    }
}
