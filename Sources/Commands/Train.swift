import FileSupport
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import Training
import Zoo

/// Hyper-parameters of a training run (`convscope train`, and each round of `convscope experiment`).
public struct TrainSettings: Codable, Equatable, Sendable {
    public var optimizer = "adam"
    /// nil: Keras' default for the optimizer (Adam/RMSprop 1e-3, SGD 1e-2).
    public var learningRate: Double?
    public var decay = 0.0
    public var momentum = 0.0
    public var epochs = 10
    public var batch = 32
    public var validationSplit = 0.0
    public var augmentation: Augmentation?
    public var earlyStopping: EarlyStopping?
    public var freeze: [String] = []
    public var seed: UInt64 = 0

    public init() {}

    /// The retraining of the paper's Sect. 3.3: Adam lr 1e-3, decay 1e-6, 10 epochs, batch 32,
    /// validation split 0.3, early stopping on validation loss with patience 3.
    public static var paperRetraining: TrainSettings {
        var s = TrainSettings()
        s.optimizer = "adam"
        s.learningRate = 1e-3
        s.decay = 1e-6
        s.epochs = 10
        s.batch = 32
        s.validationSplit = 0.3
        s.earlyStopping = EarlyStopping(monitor: .valLoss, minDelta: 0, patience: 3)
        return s
    }

    public func makeOptimizer() throws -> any Optimizer {
        try OptimizerFactory.make(optimizer, learningRate: learningRate, decay: decay, momentum: momentum)
    }

    /// `rotation=20,shift=0.2,flip` (also `width-shift=`, `height-shift=`; `none` for no augmentation).
    public static func parseAugmentation(_ s: String) throws -> Augmentation? {
        let text = s.trimmingCharacters(in: .whitespaces).lowercased()
        if text.isEmpty || text == "none" { return nil }
        var a = Augmentation()
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            func number() throws -> Double {
                guard kv.count == 2, let v = Double(kv[1]), v >= 0, v.isFinite else {
                    throw CommandError("--augment: '\(part)' needs a non-negative number, e.g. \(kv[0])=0.2")
                }
                return v
            }
            switch kv[0] {
            case "rotation": a.rotationRange = try number()
            case "shift": let v = try number(); a.widthShiftRange = v; a.heightShiftRange = v
            case "width-shift", "width_shift": a.widthShiftRange = try number()
            case "height-shift", "height_shift": a.heightShiftRange = try number()
            case "flip", "hflip", "horizontal-flip":
                guard kv.count == 1 || ["true", "1", "yes"].contains(kv[1]) || ["false", "0", "no"].contains(kv[1]) else {
                    throw CommandError("--augment: '\(part)': flip takes no value (or true/false)")
                }
                a.horizontalFlip = kv.count == 1 || ["true", "1", "yes"].contains(kv[1])
            default:
                throw CommandError("--augment: unknown setting '\(kv[0])' (rotation=DEG, shift=F, width-shift=F, height-shift=F, flip)")
            }
        }
        return a.isIdentity ? nil : a
    }

    /// `monitor=val_loss,min-delta=0.001,patience=3[,restore]`; `none` turns it off.
    public static func parseEarlyStopping(_ s: String) throws -> EarlyStopping? {
        let text = s.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text.lowercased() == "none" { return nil }
        var e = EarlyStopping(monitor: .valLoss)
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let key = kv[0].lowercased().replacingOccurrences(of: "_", with: "-")
            func value() throws -> String {
                guard kv.count == 2, !kv[1].isEmpty else { throw CommandError("--early-stopping: '\(part)' needs a value") }
                return kv[1]
            }
            switch key {
            case "monitor":
                let v = try value()
                guard let m = EarlyStopping.Monitor(rawValue: v) else {
                    throw CommandError("--early-stopping: monitor must be one of \(EarlyStopping.Monitor.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                e.monitor = m
            case "min-delta":
                guard let v = Double(try value()), v.isFinite else { throw CommandError("--early-stopping: min-delta must be a number") }
                e.minDelta = abs(v)
            case "patience":
                guard let v = Int(try value()), v >= 0 else { throw CommandError("--early-stopping: patience must be a non-negative integer") }
                e.patience = v
            case "restore", "restore-best-weights":
                e.restoreBestWeights = kv.count == 1 || ["true", "1", "yes"].contains(kv[1].lowercased())
            case "start-from-epoch":
                guard let v = Int(try value()), v >= 0 else { throw CommandError("--early-stopping: start-from-epoch must be a non-negative integer") }
                e.startFromEpoch = v
            default:
                throw CommandError("--early-stopping: unknown setting '\(kv[0])' (monitor=, min-delta=, patience=, restore)")
            }
        }
        return e
    }

    /// Checks ranges; the message names the option.
    public func validate() throws {
        guard epochs >= 0 else { throw CommandError("--epochs must be non-negative") }
        guard batch > 0 else { throw CommandError("--batch must be positive") }
        guard validationSplit >= 0 && validationSplit < 1 else { throw CommandError("--validation-split must be in [0, 1)") }
        if let lr = learningRate { guard lr > 0, lr.isFinite else { throw CommandError("--lr must be positive") } }
        guard decay >= 0, decay.isFinite else { throw CommandError("--decay must be non-negative") }
        guard momentum >= 0, momentum < 1 else { throw CommandError("--momentum must be in [0, 1)") }
        _ = try makeOptimizer()
    }
}

/// Where training images come from.
public enum TrainData: Equatable, Sendable {
    /// One subfolder per class (or, with `label`, one folder of a single class).
    case folder(String)
    /// CIFAR-10 binary batches `data_batch_1.bin` … `data_batch_5.bin` in a folder.
    case cifar10(String)

    /// `DIR` or `cifar10:DIR`.
    public init(_ s: String) {
        if s.lowercased().hasPrefix("cifar10:") { self = .cifar10(String(s.dropFirst("cifar10:".count))) } else { self = .folder(s) }
    }
}

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
}

/// A flag the SIGINT/SIGTERM handlers set; long loops poll it and stop cleanly.
public enum StopRequest {
    nonisolated(unsafe) private static var flag: Int32 = 0
    nonisolated(unsafe) private static var lastSignal: Int32 = 0

    /// Installs handlers for SIGINT and SIGTERM. A second signal ends the process at once.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopRequest.flag != 0 { _exit(128 + sig) }
            StopRequest.lastSignal = sig
            StopRequest.flag = 1
            let msg = "\nconvscope: stopping after the current step (signal again to quit at once)\n"
            _ = msg.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    public static var requested: Bool { flag != 0 }
    /// The signal received (SIGINT, SIGTERM), 0 when none.
    public static var receivedSignal: Int32 { lastSignal }
    /// How the stop is reported: "terminated" after SIGTERM, else "interrupted".
    public static var stoppedHow: String { lastSignal == SIGTERM ? "terminated" : "interrupted" }
    /// Asks running loops to stop (tests simulate an interruption this way).
    public static func request() { flag = 1 }
    public static func clear() { flag = 0; lastSignal = 0 }
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
        let resize = { (img: Image) -> Image in
            KerasImageLoading.prepare(img, colorMode: colorMode, targetSize: target, interpolation: interpolation)
        }
        let load = { (url: URL) throws -> Image in try ImageFile.load(url.path) }
        do {
            switch data {
            case .folder(let dir):
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                    throw CommandError("\(dir): not a folder")
                }
                let url = URL(fileURLWithPath: dir)
                if let label {
                    return try Dataset.singleClass(url, classIndex: label, classCount: classes, loadImage: load, resize: resize)
                }
                let d = try Dataset.directory(url, loadImage: load, resize: resize)
                guard d.classCount == classes else {
                    throw CommandError("\(dir): \(d.classCount) class folder(s) but the model has \(classes) outputs; "
                                       + "for one class of a larger model use --label CLASS_ID")
                }
                return d
            case .cifar10(let dir):
                var images: [Image] = [], labels: [Int] = []
                let files = (1...5).map { (dir as NSString).appendingPathComponent("data_batch_\($0).bin") }
                    .filter { FileManager.default.fileExists(atPath: $0) }
                guard !files.isEmpty else { throw CommandError("\(dir): no CIFAR-10 batches (data_batch_1.bin … data_batch_5.bin)") }
                for f in files {
                    let (im, lb) = try CIFAR10.read(f)
                    images += im
                    labels += lb
                }
                if let label { labels = labels.map { _ in label } }
                guard labels.allSatisfy({ $0 < classes }) else { throw CommandError("CIFAR-10 labels do not fit the model's \(classes) outputs") }
                let names = classes == 10 ? CIFAR10.classNames : nil
                return try Dataset(classCount: classes, classNames: names, labels: labels,
                                   sources: images.indices.map { "\(files[0]) image \($0)" }) { resize(images[$0]) }
            }
        } catch let e as TrainingError {
            throw CommandError(e.description)
        }
    }

    /// Turns a (possibly augmented) image into the model's (1, H, W, C) input.
    public static func preprocessor(for model: LoadedModel, options: ImageOptions) -> (Image) throws -> Tensor {
        let mode = options.mode(for: model)
        return { img in mode.tensor(from: [img]) }
    }

    /// A trainer with the settings' optimizer, augmentation, early stopping and frozen layers.
    public static func trainer(for model: LoadedModel, settings: TrainSettings, options: ImageOptions) throws -> Trainer {
        let t: Trainer
        do {
            t = try Trainer(graph: model.graph, optimizer: try settings.makeOptimizer(), batchSize: settings.batch,
                            epochs: settings.epochs, seed: settings.seed, preprocess: preprocessor(for: model, options: options))
        } catch let e as TrainingError {
            throw CommandError(e.description)
        }
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
    /// then `save` writes the trained model to `out` (the caller picks the format) and the checkpoint is removed.
    public static func run(model: LoadedModel, modelPath: String, data: TrainData, label: Int?, settings: TrainSettings,
                           options: ImageOptions, out: String, format: String, resume: Bool, quiet: Bool = false,
                           shouldStop: @escaping () -> Bool = { StopRequest.requested },
                           save: (Graph, String) throws -> Void) throws -> TrainReport {
        try settings.validate()
        _ = try exportFormat(model, format: format, out: out)   // refuse a bad --format/--out before training, not after
        let all = try dataset(data, label: label, model: model, options: options)
        let (train, validation) = try all.split(validationFraction: settings.validationSplit)
        guard train.count > 0 else { throw CommandError("no training images left after the validation split") }
        let trainer = try trainer(for: model, settings: settings, options: options)
        let ckpt = checkpointPath(out)
        var resumedFrom: String?
        if resume {
            guard FileManager.default.fileExists(atPath: ckpt) else {
                throw CommandError("--resume: no checkpoint at \(ckpt) (it is written when a run is interrupted)")
            }
            do {
                let c = try TrainingCheckpoint.read(from: URL(fileURLWithPath: ckpt))
                guard c.seed == settings.seed else { throw CommandError("--resume: the checkpoint was made with --seed \(c.seed), not \(settings.seed)") }
                try trainer.resume(from: c)
            } catch let e as TrainingError { throw CommandError(e.description) }
            resumedFrom = ckpt
            if !quiet { printError("resuming from \(ckpt) at epoch \(trainer.position.epoch + 1), batch \(trainer.position.batch + 1)") }
        }
        trainer.shouldStop = shouldStop
        let batches = (train.count + settings.batch - 1) / settings.batch
        var bar: ProgressBar?
        var barEpoch = -1
        trainer.onBatch = { p in
            if p.epoch != barEpoch {
                barEpoch = p.epoch
                bar = ProgressBar(total: batches, label: "epoch \(p.epoch + 1)/\(p.epochs)", quiet: quiet)
            }
            bar?.update(p.batch + 1, status: String(format: "loss %.4f acc %.3f %.0f img/s", p.loss, p.accuracy, p.imagesPerSecond))
        }
        trainer.onEpoch = { log in
            guard !quiet else { return }
            var line = String(format: "epoch %d: loss %.4f accuracy %.4f", log.epoch + 1, log.loss, log.accuracy)
            if let vl = log.valLoss, let va = log.valAccuracy { line += String(format: " val_loss %.4f val_accuracy %.4f", vl, va) }
            line += String(format: " (%.0f img/s, lr %.3g)", log.imagesPerSecond, log.learningRate)
            printError(line)
        }
        let outcome: TrainingOutcome
        do { outcome = try trainer.fit(train, validation: validation.count > 0 ? validation : nil) } catch let e as TrainingError {
            throw CommandError(e.description)
        }
        let historyPath = sidePath(out, ".history.json"), plotPath = sidePath(out, ".history.png")
        try AtomicFile.write(data: try trainer.history.json(), to: URL(fileURLWithPath: historyPath))
        try ImageFile.save(historyPlot(trainer.history), to: plotPath)
        if case .interrupted(let e, let b) = outcome {
            try trainer.checkpoint().write(to: URL(fileURLWithPath: ckpt))
            throw CommandError("\(StopRequest.stoppedHow) in epoch \(e + 1) after batch \(b); checkpoint written to \(ckpt); rerun with --resume to continue",
                               exitCode: 130)
        }
        try save(model.graph, out)
        try? FileManager.default.removeItem(atPath: ckpt)
        let status: String
        switch outcome {
        case .completed: status = "completed"
        case .stoppedEarly: status = "stopped-early"
        case .interrupted: status = "interrupted"
        }
        return TrainReport(model: modelPath, out: out, format: format, images: all.count, trainImages: train.count,
                           validationImages: validation.count, outcome: status, epochs: trainer.history.epochs,
                           history: historyPath, plot: plotPath, checkpoint: nil, resumedFrom: resumedFrom)
    }

    /// Loss (left) and accuracy (right) curves per epoch, training and validation.
    public static func historyPlot(_ h: History, title: String = "Training") -> Image {
        let e = h.epochs
        var loss = [LineChart.Series(name: "loss", y: e.map(\.loss), color: .blue)]
        if e.contains(where: { $0.valLoss != nil }) { loss.append(.init(name: "val_loss", y: e.map { $0.valLoss ?? .nan }, color: .orange)) }
        var acc = [LineChart.Series(name: "accuracy", y: e.map(\.accuracy), color: .blue)]
        if e.contains(where: { $0.valAccuracy != nil }) { acc.append(.init(name: "val_accuracy", y: e.map { $0.valAccuracy ?? .nan }, color: .orange)) }
        let left = LineChart(series: loss, title: "\(title): loss", xLabel: "epoch", yLabel: "loss").render(width: 560, height: 400)
        let right = LineChart(series: acc, title: "\(title): accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1).render(width: 560, height: 400)
        return Montage.grid([.init(left), .init(right)], columns: 2, padding: 0)
    }

    public static func render(_ r: TrainReport) -> String {
        var lines = ["Trained \(r.model) on \(r.trainImages) images (\(r.validationImages) for validation): \(r.outcome)"]
        if let last = r.epochs.last {
            var s = String(format: "last epoch %d: loss %.4f accuracy %.4f", last.epoch + 1, last.loss, last.accuracy)
            if let vl = last.valLoss, let va = last.valAccuracy { s += String(format: ", val_loss %.4f val_accuracy %.4f", vl, va) }
            lines.append(s)
        }
        lines += ["model:   \(r.out) (\(r.format))", "history: \(r.history)", "plot:    \(r.plot)"]
        return lines.joined(separator: "\n")
    }
}

extension Train {
    /// Formats `--format` accepts.
    public static var formatNames: [String] { Export.formatNames }

    /// The format `--format` names for `model` (`same`: the input's generation and layout), checked against
    /// the output name Keras needs to load it (`*.weights.h5` for Keras 3 weights files, `*.keras` for archives).
    public static func exportFormat(_ model: LoadedModel, format: String, out: String) throws -> KerasExportFormat {
        let chosen: KerasExportFormat
        if format == "same" {
            guard let file = model.file else { throw CommandError("--format same needs a model read from a file; choose one of \(formatNames.dropFirst().joined(separator: ", "))") }
            do { chosen = try KerasExportFormat.same(as: file.generation, isFullModel: model.arch == nil && file.isFullModel) } catch let e as KerasIOError {
                throw CommandError("\(file.path): \(e.message)")
            }
        } else if let f = KerasExportFormat(rawValue: format) {
            chosen = f
        } else {
            throw CommandError("unknown --format '\(format)' (choose from \(formatNames.joined(separator: ", ")))")
        }
        let name = out.lowercased()
        if chosen == .keras3Weights && !name.hasSuffix(".weights.h5") {
            throw CommandError("\(out): Keras loads \(chosen.rawValue) files only when named *.weights.h5 (the input is one); name --out so, or pick --format weights-h5")
        }
        if chosen == .keras && !name.hasSuffix(".keras") {
            throw CommandError("\(out): Keras loads .keras archives only when named *.keras; name --out so, or pick another --format")
        }
        return chosen
    }

    /// Writes `model` (with its current, trained weights) as `format` to `out`, atomically, through KerasWriter.
    /// `same` keeps the input file's generation and layout; a zoo architecture gets its Keras 3 config.
    @discardableResult
    public static func save(_ model: LoadedModel, format: String, to out: String) throws -> KerasWriteSummary {
        let writer: KerasWriter
        if let arch = model.arch {
            let config = try Zoo.model(named: arch).config
            writer = KerasWriter(model: model.model, config: config, sourceGeneration: model.file?.generation,
                                 sourceVersion: model.file?.kerasVersion, sourceBackend: model.file?.backend)
        } else if let file = model.file {
            writer = try KerasWriter(file: file)
        } else {
            writer = KerasWriter(model: model.model)
        }
        let chosen = try exportFormat(model, format: format, out: out)
        if chosen.isFullModel && writer.config == nil {
            throw CommandError("no model config to write as \(chosen.rawValue); choose weights-h5 or weights.h5")
        }
        do { return try writer.write(chosen, to: out) } catch let e as KerasIOError { throw CommandError(e.description) }
    }
}
