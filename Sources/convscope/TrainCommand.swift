import ArgumentParser
import Commands
import Foundation
import Training

struct TrainCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train or fine-tune a model on a folder of images or CIFAR-10, with Keras' semantics, and write it back as a Keras file.",
        discussion: """
        Data: a folder with one subfolder per class (sorted names give the class indices, as flow_from_directory), a folder
        of one class with --label CLASS_ID (e.g. Siamese cats as 284 of a 1000-way model), or cifar10:DIR with
        CIFAR-10's binary batches (data_batch_1.bin … data_batch_5.bin). Images are resized to the model's input.
        Categorical cross-entropy, Adam/SGD/RMSprop with Keras' defaults and the legacy decay (lr / (1 + decay * step)),
        validation split from the end of the data, shuffled every epoch (seeded), Dropout and BatchNormalization in
        training mode, kernel constraints after each update.
        Beside --out: STEM.history.json, STEM.history.png (loss and accuracy curves). Ctrl-C or SIGTERM stops after the
        current batch and writes OUT.checkpoint (exit code 130); --resume continues from it bit-exactly.
        """)

    @Argument(help: "Keras model or weights file (with --arch).") var model: String
    @Option(help: "Training data: a folder, or cifar10:DIR.") var data: String
    @Option(help: "Label every image of the folder (or CIFAR-10) with this class id.") var label: Int?
    @Option(help: "Epochs.") var epochs = 10
    @Option(help: "Batch size.") var batch = 32
    @Option(help: "adam, sgd or rmsprop.") var optimizer = "adam"
    @Option(help: "Learning rate (default: Keras' for the optimizer: 1e-3 Adam/RMSprop, 1e-2 SGD).") var lr: Double?
    @Option(help: "Keras' legacy decay: lr / (1 + decay * iterations).") var decay = 0.0
    @Option(help: "Momentum (SGD, RMSprop).") var momentum = 0.0
    @Option(help: "Fraction of the data, from its end, held out for validation.") var validationSplit = 0.0
    @Option(help: "Augmentation like ImageDataGenerator, e.g. rotation=20,shift=0.2,flip (also width-shift=, height-shift=).") var augment: String?
    @Option(help: "Early stopping, e.g. monitor=val_loss,min-delta=0.001,patience=3[,restore].") var earlyStopping: String?
    @Option(parsing: .upToNextOption, help: "Layers to keep fixed.") var freeze: [String] = []
    @Option(help: "Seed for shuffling, augmentation and dropout.") var seed: UInt64 = 0
    @Option(help: "Output file.") var out: String
    @Option(help: "Output format: \(Export.formatNames.joined(separator: ", ")) (same: the input's generation and layout).") var format = "same"
    @Flag(help: "Continue from OUT.checkpoint (written when a run is interrupted).") var resume = false
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        guard Export.formatNames.contains(format) else { throw ValidationError("--format must be one of \(Export.formatNames.joined(separator: ", "))") }
    }

    func settings() throws -> TrainSettings {
        var s = TrainSettings()
        s.optimizer = optimizer.lowercased()
        s.learningRate = lr
        s.decay = decay
        s.momentum = momentum
        s.epochs = epochs
        s.batch = batch
        s.validationSplit = validationSplit
        s.augmentation = try augment.flatMap { try TrainSettings.parseAugmentation($0) }
        s.earlyStopping = try earlyStopping.flatMap { try TrainSettings.parseEarlyStopping($0) }
        s.freeze = freeze
        s.seed = seed
        try s.validate()
        return s
    }

    func run() throws {
        try ConvScope.guarded {
            let s = try settings()
            let m = try modelOptions.load(model)
            StopRequest.install()
            let report = try Train.run(model: m, modelPath: model, data: TrainData(data), label: label, settings: s,
                                       options: try imageOptions.options(), out: out, format: format, resume: resume,
                                       quiet: quiet) { _, path in try Train.save(m, format: format, to: path) }
            print(json ? try JSONOutput.string(report) : Train.render(report))
        }
    }
}
