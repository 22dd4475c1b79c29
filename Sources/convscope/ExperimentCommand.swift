import ArgumentParser
import Commands
import Foundation
import Matching
import Study
import Training
import Visualize

struct ExperimentCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "The paper's retraining study (Sect. 3.3) in one command, with an HTML report.",
        discussion: """
        For each round: from the pretrained weights, maximize the class (or --target-layer's channel) "before";
        retrain a fresh copy on the images of --images labelled --class (Adam, lr 1e-3, decay 1e-6, 10 epochs,
        batch 32, validation split 0.3, early stopping on val_loss with patience 3, each overridable); maximize
        "after" from the same start; match both reconstructions against every training image with SIFT and Harris
        (contributions, Figure 6) and the bag of visual words (Table 3); keep the per-layer weight change.
        Writes to --out: report.html (self-contained), results.json (Schemas/experiment.schema.json), table3.csv,
        every figure as PNG, timings.json, and rounds/ (one checkpoint per finished round: --resume redoes none of
        them, and gives the numbers of an uninterrupted run). Ctrl-C or SIGTERM stops at the next stage (exit 130).
        """)

    @Argument(help: "Pretrained Keras model or weights file (with --arch).") var model: String
    @Option(help: "Folder of training images (searched recursively), all of class --class.") var images: String
    @Option(name: .customLong("class"), help: "Class id of the images (284 = Siamese cat).") var classIndex = 284
    @Option(help: "Rounds.") var rounds = 20
    @Option(help: "Maximize a channel of this layer instead of the class score.") var targetLayer: String?
    @Option(help: "Channel of --target-layer.") var targetChannel = 0
    @Option(help: "Seed (maximization start, shuffling, RANSAC, k-means).") var seed: UInt64 = 0
    @Option(help: "Output folder.") var out = "experiment"
    @Flag(help: "Keep the finished rounds in --out and run only the missing ones.") var resume = false

    @OptionGroup(title: "Retraining") var training: TrainingOptions<PaperTrainingDefaults>

    @Option(help: "Activation maximization: the paper's Algorithm 1, or regularized.") var maximizeMethod: MaximizationSettings.Method = .paper
    @Option(help: "Gradient-ascent steps.") var maximizeSteps = 20
    @Option(help: "Gradient-ascent step size.") var maximizeStepSize = 1.0
    @Option(help: "Square size images are matched at.") var matchSize = 224
    @Option(help: "RANSAC trials.") var ransacTrials = 100
    @Option(help: "Matching rule: mutual nearest neighbours with Lowe's ratio 0.8 and non-degenerate RANSAC (trusted), or the authors' (paper).") var matching: MatchingRule = .trusted
    @Option(help: "Bag-of-words vocabulary size.") var words = 10
    @Option(help: "Training image (index in file order) shown in the DeconvNet montages.") var deconvImage = 0
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print results.json to stdout.") var json = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @OptionGroup var memory: MemoryOptions

    func settings() throws -> ExperimentSettings {
        var s = ExperimentSettings()
        s.classIndex = classIndex
        s.rounds = rounds
        s.targetLayer = targetLayer
        s.targetChannel = targetChannel
        s.seed = seed
        s.training = try training.settings()
        s.maximizeMethod = maximizeMethod
        s.maximizeSteps = maximizeSteps
        s.maximizeStepSize = maximizeStepSize
        s.matchSize = matchSize
        s.ransacTrials = ransacTrials
        s.matching = matching
        s.words = words
        s.deconvImage = deconvImage
        try s.validate()
        return s
    }

    func run() throws {
        try ConvScope.guarded {
            let s = try settings()
            let m = try modelOptions.load(model)
            StopRequest.install()
            let r = try Experiment.run(model: m, modelName: (model as NSString).lastPathComponent, imagesDir: images, settings: s,
                                       options: try imageOptions.options(), out: out, resume: resume, quiet: quiet)
            print(json ? try JSONOutput.string(r) : Experiment.render(r, out: out))
        }
    }
}
