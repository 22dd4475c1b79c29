import ArgumentParser
import Benchmarking
import Commands
import Foundation

struct BenchExperimentCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Time full rounds of `convscope experiment` (the paper's settings) and the share of each stage.",
        discussion: """
        Default: the paper's Conv with seeded random weights, 30 synthetic 224x224 images, one round with the paper's
        settings (20 maximization steps, Adam 10 epochs batch 32, split 0.3, early stopping on val_loss patience 3,
        SIFT + Harris matching at 224, 10-word bag of words). --model FILE uses real weights (with --arch for a
        weights-only file); --images DIR real images.
        """)

    @Option(help: "Built-in architecture (random weights unless --model is given): conv, vonc, vgg16, resnet50.") var arch = "conv"
    @Option(help: "Weights file to use instead of random weights.") var model: String?
    @Option(help: "Folder of images (default: synthetic scenes).") var images: String?
    @Option(help: "Number of synthetic images.") var count = 30
    @Option(help: "Rounds to time.") var rounds = 1
    @Option(help: "Retraining epochs.") var epochs = 10
    @Option(help: "Class id the images are labelled with.") var classIndex = 284
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "No per-stage progress lines.") var quiet = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try ExperimentBenchmark.measure(arch: arch, model: model, images: images, count: count, rounds: rounds, epochs: epochs,
                                                    classIndex: classIndex, threads: threads, quiet: quiet)
            print(json ? try JSONOutput.string(r) : ExperimentBenchmark.render(r))
        }
    }
}
