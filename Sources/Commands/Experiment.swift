import FileSupport
import Foundation
import Study
import Training

extension ExperimentSettings {
    /// Checks ranges; the message names the option.
    public func validate() throws {
        guard rounds > 0 else { throw CommandError("--rounds must be positive") }
        guard maximizeSteps > 0 else { throw CommandError("--maximize-steps must be positive") }
        guard maximizeStepSize > 0, maximizeStepSize.isFinite else { throw CommandError("--maximize-step-size must be positive") }
        guard maximizeMethod != .fourier else { throw CommandError("--maximize-method fourier: the study maximizes from the same start before and after retraining; use paper or regularized") }
        guard matchSize >= 16 else { throw CommandError("--match-size must be at least 16") }
        guard ransacTrials > 0 else { throw CommandError("--ransac-trials must be positive") }
        guard words > 0 else { throw CommandError("--words must be positive") }
        guard deconvImage >= 0 else { throw CommandError("--deconv-image must be non-negative") }
        try training.validate()
    }
}

/// `convscope experiment`: the paper's retraining study (`Study`) on a loaded model and a folder of images.
public enum Experiment {
    /// Runs the study into `out`: the rounds (checkpointed under OUT/rounds), figures, table3.csv,
    /// report.html, then timings.json and results.json.
    public static func run(model: LoadedModel, modelName: String, imagesDir: String, settings: ExperimentSettings,
                           options: ImageOptions, out: String, resume: Bool, quiet: Bool = false,
                           shouldStop: @escaping () -> Bool = { StopRequest.requested }) throws -> ExperimentResults {
        try settings.validate()
        let folder = try OutputFolder(out)
        // The images labelled --class, as the model sees them.
        let data = try Train.dataset(.folder(imagesDir), label: settings.classIndex, model: model, options: options)
        var bar: ProgressBar?
        var barEpoch = (-1, -1)
        let inputs = StudyInputs(
            graph: model.graph, modelName: modelName, arch: model.arch, data: data, imagesDir: imagesDir, mode: options.mode(for: model),
            targetLabel: Maximize.describe(settings.target, classes: model.classCount),
            deconvInput: {
                let input = try options.load([data.sources[settings.deconvImage]], for: model)
                return (input.tensor, input.displayImage(0))
            },
            makeTrainer: { try Train.trainer(for: model, settings: $0, options: options) },
            stopRequested: { shouldStop() ? StopRequest.stoppedHow : nil },
            log: { if !quiet { printError($0) } },
            onBatch: { round, p in
                if (round, p.epoch) != barEpoch {
                    barEpoch = (round, p.epoch)
                    bar = ProgressBar(total: p.batches, label: "  round \(round) epoch \(p.epoch + 1)/\(p.epochs)", quiet: quiet)
                }
                bar?.update(p.batch + 1, status: String(format: "loss %.4f acc %.3f %.0f img/s", p.loss, p.accuracy, p.imagesPerSecond))
            })
        let (results, timings) = try RetrainingStudy.run(inputs, settings: settings, out: out, resume: resume)
        try folder.json(timings, "timings.json")
        try folder.json(results, "results.json")
        return results
    }

    public static func render(_ r: ExperimentResults, out: String) -> String {
        [String(format: "Table 3 (max BoW score over %d rounds): before mean %.3f median %.3f; after mean %.3f median %.3f",
                r.rounds.count, r.table3.before.mean, r.table3.before.median, r.table3.after.mean, r.table3.after.median),
         "report:  \((out as NSString).appendingPathComponent(r.report))",
         "results: \((out as NSString).appendingPathComponent("results.json")), \((out as NSString).appendingPathComponent(r.table3Csv))",
         "figures: " + r.figures.values.sorted().joined(separator: ", ")].joined(separator: "\n")
    }
}
