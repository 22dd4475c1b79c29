import ArgumentParser
import Commands
import Foundation
import Study
import Tensor

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
            if let threads { Threading.set(threads) }
            let m = try model.map { try ModelLoader.load($0, arch: arch) } ?? ExperimentBenchmark.randomModel(arch: arch)
            let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("convscope-bench-experiment-\(getpid())")
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            var dir = images
            var n = count, size = 224
            if dir == nil {
                let d = (scratch as NSString).appendingPathComponent("images")
                try ExperimentBenchmark.writeSyntheticImages(count: count, size: 224, to: d)
                dir = d
            } else {
                n = try FileManager.default.contentsOfDirectory(atPath: dir!).count
                size = 0
            }
            var s = ExperimentSettings()
            s.rounds = rounds
            s.classIndex = classIndex
            s.training.epochs = epochs
            let r = try ExperimentBenchmark.run(model: m, name: model.map { ($0 as NSString).lastPathComponent } ?? "\(arch) (random weights)",
                                                imagesDir: dir!, images: n, imageSize: size, settings: s, options: ImageOptions(),
                                                scratch: (scratch as NSString).appendingPathComponent("out"),
                                                threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, quiet: quiet)
            print(json ? try JSONOutput.string(r) : ExperimentBenchmark.render(r))
        }
    }
}
