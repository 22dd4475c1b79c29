import Graph
import Imaging
import Tensor
import Training

/// What the study runs on, prepared by the caller: the model, the training images as it sees them,
/// how to make a trainer, and where progress goes.
public struct StudyInputs {
    /// The pretrained model (its weights are put back as they came when the study ends).
    public var graph: Graph
    /// Shown in the report and stored in results.json (the file name, and the `--arch` used).
    public var modelName: String
    public var arch: String?
    /// The images labelled with the study's class, resized to the model input; `sources` are their files.
    public var data: Dataset
    /// Shown in the report.
    public var imagesDir: String
    /// The model's input preprocessing.
    public var mode: Preprocessing
    /// How the target is named (e.g. "284 Siamese cat").
    public var targetLabel: String
    /// The image of the DeconvNet montages (`settings.deconvImage`) as the model takes it, and as shown;
    /// loaded in round 1 (not at all when round 1 is resumed).
    public var deconvInput: () throws -> (tensor: Tensor, shown: Image)
    /// A trainer for `settings` on `graph` (optimizer, augmentation, early stopping, frozen layers).
    public var makeTrainer: (TrainSettings) throws -> Trainer
    /// nil to go on; else how the run was stopped ("interrupted", "terminated"). Polled between stages and batches.
    public var stopRequested: () -> String?
    /// Progress lines (stages, rounds).
    public var log: (String) -> Void
    /// After each retraining batch of round `round` (from 1).
    public var onBatch: (_ round: Int, _ progress: BatchProgress) -> Void

    public init(graph: Graph, modelName: String, arch: String?, data: Dataset, imagesDir: String, mode: Preprocessing,
                targetLabel: String, deconvInput: @escaping () throws -> (tensor: Tensor, shown: Image),
                makeTrainer: @escaping (TrainSettings) throws -> Trainer, stopRequested: @escaping () -> String? = { nil },
                log: @escaping (String) -> Void = { _ in }, onBatch: @escaping (Int, BatchProgress) -> Void = { _, _ in }) {
        self.graph = graph
        self.modelName = modelName
        self.arch = arch
        self.data = data
        self.imagesDir = imagesDir
        self.mode = mode
        self.targetLabel = targetLabel
        self.deconvInput = deconvInput
        self.makeTrainer = makeTrainer
        self.stopRequested = stopRequested
        self.log = log
        self.onBatch = onBatch
    }
}
