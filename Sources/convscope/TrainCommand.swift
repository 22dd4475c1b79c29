import ArgumentParser
import Commands
import Foundation
import KerasIO
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
    @Option(help: "Seed for shuffling, augmentation and dropout.") var seed: UInt64 = 0
    @Option(help: "Output file.") var out: String
    @Option(help: "Output format (same: the input's generation and layout).") var format: KerasFormatChoice = .same
    @Flag(help: "Continue from OUT.checkpoint (written when a run is interrupted).") var resume = false
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Feature evolution (Zeiler & Fergus Fig. 4): layers whose strongest channel for --evolution-image is projected by the DeconvNet at the end of each chosen epoch, into STEM.evolution/ with a montage (epochs across, layers down).")
    var evolution: String?
    @Option(help: "Image of --evolution.") var evolutionImage: String?
    @Option(help: "Epochs of --evolution, comma-separated (0 = before training; default every epoch).") var evolutionEpochs: String?
    @OptionGroup var training: TrainingOptions<KerasTrainingDefaults>
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if (evolution == nil) != (evolutionImage == nil) { throw ValidationError("--evolution and --evolution-image go together") }
        if evolutionEpochs != nil && evolution == nil { throw ValidationError("--evolution-epochs needs --evolution") }
        _ = try epochs()
        if let evolution, evolution.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--evolution '\(evolution)': an empty layer name")
        }
    }

    /// --evolution-epochs as integers.
    func epochs() throws -> [Int]? {
        try evolutionEpochs.map { text in
            try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
                guard let e = Int(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--evolution-epochs '\(text)': '\(part)' is not an epoch number")
                }
                return e
            }
        }
    }

    func run() throws {
        try ConvScope.guarded {
            var s = try training.settings()
            s.seed = seed
            let m = try modelOptions.load(model)
            StopRequest.install()
            let report = try Train.run(model: m, modelPath: model, data: TrainData(data), label: label, settings: s,
                                       options: try imageOptions.options(), out: out, format: format, resume: resume, quiet: quiet,
                                       evolution: try evolution.map { EvolutionRequest(layers: $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                                                                        image: evolutionImage!, epochs: try epochs()) })
            print(json ? try JSONOutput.string(report) : Train.render(report))
        }
    }
}
