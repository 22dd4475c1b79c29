import FileSupport
import Foundation
import Imaging
import KerasIO
import Tensor
import Training

/// What `convscope train` reports.
public struct TrainReport: Codable {
    public var model: String
    public var out: String
    public var format: String
    public var images: Int
    public var trainImages: Int
    public var validationImages: Int
    /// completed, stopped-early or interrupted.
    public var outcome: String
    public var epochs: [EpochLog]
    public var history: String
    public var plot: String
    public var checkpoint: String?
    public var resumedFrom: String?
    /// With `--evolution`: the projections per chosen epoch and their montage (TrainEvolution.swift).
    public var evolution: EvolutionReport?
}

public enum Train {
    /// Loads the training data as the model sees it: resized to its input, colour mode from its channels.
    public static func dataset(_ data: TrainData, label: Int?, model: LoadedModel, options: ImageOptions) throws -> Dataset {
        let shape = model.inputShape
        guard shape.count == 3 else { throw CommandError("model input has shape \(shape); training needs (height, width, channels)") }
        guard let classes = model.classCount else { throw CommandError("training needs a model whose output is a class vector") }
        let target = (height: shape[0], width: shape[1])
        let colorMode: KerasImageLoading.ColorMode = shape[2] == 1 ? .grayscale : (shape[2] == 4 ? .rgba : .rgb)
        let interpolation = options.interpolation
        return try Dataset.load(data, label: label, classCount: classes) { img in
            KerasImageLoading.prepare(img, colorMode: colorMode, targetSize: target, interpolation: interpolation)
        }
    }

    /// A trainer with the settings' optimizer, augmentation, early stopping and frozen layers; it turns each
    /// (possibly augmented) image into the model's (1, H, W, C) input.
    public static func trainer(for model: LoadedModel, settings: TrainSettings, options: ImageOptions) throws -> Trainer {
        let mode = options.mode(for: model)
        let t = try Trainer(graph: model.imageGraph, optimizer: settings.makeOptimizer(), batchSize: settings.batch,
                            epochs: settings.epochs, seed: settings.seed, preprocess: { mode.tensor(from: [$0]) })
        t.augmentation = settings.augmentation
        t.earlyStopping = settings.earlyStopping
        let known = Set(model.graph.layers.map(\.name))
        for f in settings.freeze where !known.contains(f) {
            throw CommandError("--freeze: the model has no layer '\(f)'")
        }
        t.freeze = Set(settings.freeze)
        return t
    }

    /// Files written next to `out`: `FILE.checkpoint`, `STEM.history.json`, `STEM.history.png`.
    public static func checkpointPath(_ out: String) -> String { out + ".checkpoint" }
    static func sidePath(_ out: String, _ suffix: String) -> String {
        var stem = out
        for ext in [".weights.h5", ".h5", ".keras", ".hdf5"] where stem.lowercased().hasSuffix(ext) { stem = String(stem.dropLast(ext.count)); break }
        return stem + suffix
    }

    /// Runs `convscope train`: data, fit with a progress bar, history JSON and plot, checkpoint on interruption,
    /// then writes the trained model as `format` to `out` and removes the checkpoint.
    public static func run(model: LoadedModel, modelPath: String, data: TrainData, label: Int?, settings: TrainSettings,
                           options: ImageOptions, out: String, format: KerasFormatChoice, resume: Bool, quiet: Bool = false,
                           evolution request: EvolutionRequest? = nil,
                           shouldStop: @escaping () -> Bool = { StopRequest.requested }) throws -> TrainReport {
        try settings.validate()
        let chosen = try model.exportFormat(format, out: out)   // refuse a bad --format/--out before training, not after
        let all = try dataset(data, label: label, model: model, options: options)
        let (train, validation) = try all.split(validationFraction: settings.validationSplit)
        guard train.count > 0 else { throw CommandError("no training images left after the validation split") }
        let trainer = try trainer(for: model, settings: settings, options: options)
        let evolution = try request.map { try EvolutionRun($0, model: model, options: options, epochs: settings.epochs,
                                                           folder: sidePath(out, ".evolution")) }
        let ckpt = checkpointPath(out)
        var resumedFrom: String?
        if resume {
            guard FileManager.default.fileExists(atPath: ckpt) else {
                throw CommandError("--resume: no checkpoint at \(ckpt) (it is written when a run is interrupted)", kind: .noCheckpoint)
            }
            let c = try TrainingCheckpoint.read(from: URL(fileURLWithPath: ckpt))
            guard c.seed == settings.seed else { throw CommandError("--resume: the checkpoint was made with --seed \(c.seed), not \(settings.seed)") }
            try trainer.resume(from: c)
            resumedFrom = ckpt
            if !quiet { printError("resuming from \(ckpt) at epoch \(trainer.position.epoch + 1), batch \(trainer.position.batch + 1)") }
        }
        if resume { try evolution?.restore(upTo: trainer.position.epoch) } else { try evolution?.record(epoch: 0) }
        trainer.shouldStop = shouldStop
        trainer.showProgress(batchesPerEpoch: (train.count + settings.batch - 1) / settings.batch, quiet: quiet)
        trainer.onEpoch = { log in
            evolution?.recordQuietly(epoch: log.epoch + 1)
            guard !quiet else { return }
            var line = String(format: "epoch %d: loss %.4f accuracy %.4f", log.epoch + 1, log.loss, log.accuracy)
            if let vl = log.valLoss, let va = log.valAccuracy { line += String(format: " val_loss %.4f val_accuracy %.4f", vl, va) }
            line += String(format: " (%.0f img/s, lr %.3g)", log.imagesPerSecond, log.learningRate)
            printError(line)
        }
        let outcome = try trainer.fit(train, validation: validation.count > 0 ? validation : nil)
        let historyPath = sidePath(out, ".history.json"), plotPath = sidePath(out, ".history.png")
        try AtomicFile.write(data: try trainer.history.json(), to: URL(fileURLWithPath: historyPath))
        try ImageFile.save(trainer.history.plot(), to: plotPath)
        if case .interrupted(let e, let b) = outcome {
            try trainer.checkpoint().write(to: URL(fileURLWithPath: ckpt))
            throw CommandError("\(StopRequest.stoppedHow) in epoch \(e + 1) after batch \(b); checkpoint written to \(ckpt); rerun with --resume to continue",
                               exitCode: 130, kind: .interrupted)
        }
        let evolutionReport = try evolution?.finish()
        try model.write(chosen, to: out)
        try? FileManager.default.removeItem(atPath: ckpt)
        let status: String
        switch outcome {
        case .completed: status = "completed"
        case .stoppedEarly: status = "stopped-early"
        case .interrupted: status = "interrupted"
        }
        return TrainReport(model: modelPath, out: out, format: format.rawValue, images: all.count, trainImages: train.count,
                           validationImages: validation.count, outcome: status, epochs: trainer.history.epochs,
                           history: historyPath, plot: plotPath, checkpoint: nil, resumedFrom: resumedFrom,
                           evolution: evolutionReport)
    }

    public static func render(_ r: TrainReport) -> String {
        var lines = ["Trained \(r.model) on \(r.trainImages) images (\(r.validationImages) for validation): \(r.outcome)"]
        if let last = r.epochs.last {
            var s = String(format: "last epoch %d: loss %.4f accuracy %.4f", last.epoch + 1, last.loss, last.accuracy)
            if let vl = last.valLoss, let va = last.valAccuracy { s += String(format: ", val_loss %.4f val_accuracy %.4f", vl, va) }
            lines.append(s)
        }
        lines += ["model:   \(r.out) (\(r.format))", "history: \(r.history)", "plot:    \(r.plot)"]
        if let e = r.evolution, let m = e.montage { lines.append("evolution: \(m) (\(e.layers.joined(separator: ", ")) at epochs \(e.epochs.map(String.init).joined(separator: ", ")))") }
        return lines.joined(separator: "\n")
    }
}
