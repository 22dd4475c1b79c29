import ArgumentParser
import Commands
import Training

/// Where a command's training options take their defaults from: one `TrainSettings` value.
protocol TrainingDefaults {
    static var settings: TrainSettings { get }
}

/// `train`: Keras' defaults.
enum KerasTrainingDefaults: TrainingDefaults {
    static var settings: TrainSettings { TrainSettings() }
}

/// `experiment`: the paper's retraining (Sect. 3.3).
enum PaperTrainingDefaults: TrainingDefaults {
    static var settings: TrainSettings { .paperRetraining }
}

/// The training options of `train` and `experiment`, with the defaults of `Defaults.settings`.
struct TrainingOptions<Defaults: TrainingDefaults>: ParsableArguments {
    @Option(help: "Epochs.") var epochs = Defaults.settings.epochs
    @Option(help: "Batch size.") var batch = Defaults.settings.batch
    @Option(help: "Optimizer.") var optimizer = Defaults.settings.optimizer
    @Option(help: ArgumentHelp("Learning rate (default: \(Defaults.settings.learningRate.map { "\($0)" } ?? "Keras' for the optimizer: 1e-3 Adam/RMSprop, 1e-2 SGD")).",
                               valueName: "lr"))
    var lr: Double?
    @Option(help: "Keras' legacy decay: lr / (1 + decay * iterations).") var decay = Defaults.settings.decay
    @Option(help: "Momentum (SGD, RMSprop).") var momentum = Defaults.settings.momentum
    @Option(help: "Fraction of the data, from its end, held out for validation.") var validationSplit = Defaults.settings.validationSplit
    @Option(help: ArgumentHelp("Augmentation like ImageDataGenerator, e.g. rotation=20,shift=0.2,flip (also width-shift=, height-shift=; "
                               + "default \(Defaults.settings.augmentation == nil ? "none" : "the paper's")).", valueName: "augment"))
    var augment: String?
    @Option(help: ArgumentHelp("Early stopping, e.g. monitor=val_loss,min-delta=0.001,patience=3[,restore], or none (default: "
                               + "\(Defaults.settings.earlyStopping.map { "monitor=\($0.monitor.rawValue),patience=\($0.patience)" } ?? "none")).",
                               valueName: "early-stopping"))
    var earlyStopping: String?
    @Option(parsing: .upToNextOption, help: "Layers to keep fixed.") var freeze: [String] = []

    /// `Defaults.settings` with the options given; ranges checked (the message names the option).
    func settings() throws -> TrainSettings {
        var s = Defaults.settings
        s.epochs = epochs
        s.batch = batch
        s.optimizer = optimizer
        if let lr { s.learningRate = lr }
        s.decay = decay
        s.momentum = momentum
        s.validationSplit = validationSplit
        if let augment { s.augmentation = try Augmentation.parse(option: augment) }
        if let earlyStopping { s.earlyStopping = try EarlyStopping.parse(option: earlyStopping) }
        s.freeze = freeze
        try s.validate()
        return s
    }
}
