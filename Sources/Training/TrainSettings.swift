/// Hyper-parameters of a training run (`convscope train`, and each round of `convscope experiment`).
/// `TrainSettings()` holds Keras' defaults; `paperRetraining` the paper's. The command-line options
/// take their defaults from these two, and nowhere else.
public struct TrainSettings: Codable, Equatable, Sendable {
    public var optimizer: OptimizerKind = .adam
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
        s.optimizer = .adam
        s.learningRate = 1e-3
        s.decay = 1e-6
        s.epochs = 10
        s.batch = 32
        s.validationSplit = 0.3
        s.earlyStopping = EarlyStopping(monitor: .valLoss, minDelta: 0, patience: 3)
        return s
    }

    public func makeOptimizer() -> any Optimizer {
        OptimizerFactory.make(optimizer, learningRate: learningRate, decay: decay, momentum: momentum)
    }

    /// Checks ranges; the message names the option.
    public func validate() throws {
        func refuse(_ message: String) -> TrainingError { .badArgument(message) }
        guard epochs >= 0 else { throw refuse("--epochs must be non-negative") }
        guard batch > 0 else { throw refuse("--batch must be positive") }
        guard validationSplit >= 0 && validationSplit < 1 else { throw refuse("--validation-split must be in [0, 1)") }
        if let lr = learningRate { guard lr > 0, lr.isFinite else { throw refuse("--lr must be positive") } }
        guard decay >= 0, decay.isFinite else { throw refuse("--decay must be non-negative") }
        guard momentum >= 0, momentum < 1 else { throw refuse("--momentum must be in [0, 1)") }
    }
}
