import ArgumentParser
import Commands
import Foundation
import Graph
import HDF5
import KerasIO
import Matching
import Training
import Tensor
import Visualize
import Zoo

/// Benchmarks against TensorFlow measured in the same run: each prints ConvScope's median, TensorFlow's, and the ratio.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks with ratios against TensorFlow measured in the same run (needs the pinned Python: scripts/setup.sh --python).",
        subcommands: [ForwardBench.self, DeconvBench.self, SaliencyBench.self, MaximizeBench.self, InspectBench.self, MatchingBench.self, BLASBench.self, PredictProcessBench.self, TrainBench.self, BenchExperimentCommand.self],
        defaultSubcommand: ForwardBench.self)
}

struct BenchOptions: ParsableArguments {
    @Option(help: "Timed runs (median reported).") var repeats = 5
    @Option(parsing: .upToNextOption, help: "Thread counts.") var threads: [Int] = [1, 2]
    @Flag(help: "Skip the TensorFlow side.") var noTF = false
}

/// One line of a comparison table.
func report(_ what: String, convscope: Double, tf: Double?) {
    if let tf {
        print(String(format: "%-44@ ConvScope %9.1f ms   TensorFlow %9.1f ms   ratio %.2f", what as NSString, convscope * 1000, tf * 1000, convscope / tf))
    } else {
        print(String(format: "%-44@ ConvScope %9.1f ms", what as NSString, convscope * 1000))
    }
}

struct ForwardBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Forward passes of built-in models (random weights), batch × threads.")
    @Option(parsing: .upToNextOption, help: "Models.") var arch: [String] = ["vgg16", "resnet50"]
    @Option(parsing: .upToNextOption, help: "Batch sizes.") var batch: [Int] = [1, 8]
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded {
            print("OpenBLAS core: \(Threading.blasCore)")
            for a in arch {
                let graph = try Zoo.graph(named: a)
                ForwardBenchmark.randomizeWeights(graph)
                let flops = ["vgg16": 30.95, "resnet50": 7.74, "conv": 0.154, "vonc": 0.097][a]
                for b in batch { for t in options.threads {
                    let r = try ForwardBenchmark.run(graph: graph, batch: b, threads: t, repeats: options.repeats, gflopPerImage: flops)
                    let tf = options.noTF ? nil : try TFReference.run(["forward", "--model", a, "--batch", "\(b)", "--threads", "\(t)", "--repeats", "\(options.repeats)"])["median_s"]?.doubleValue
                    report("\(a) batch \(b) threads \(t)\(r.gflops.map { String(format: " (%.0f GFLOP/s)", $0) } ?? "")", convscope: r.medianSeconds, tf: tf)
                } }
            }
            print(String(format: "peak memory of this process: %.0f MB", peakRSSMegabytes()))
        }
    }
}

struct DeconvBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deconv", abstract: "DeconvNet projections of all 13 VGG16 convolutional layers for one image (one forward pass).")
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded {
            let graph = try Zoo.graph(named: "vgg16")
            ForwardBenchmark.randomizeWeights(graph)
            let projector = try FeatureProjector(graph: graph)
            let layers = graph.nodes.filter { $0.layer.role.isConvolution }.map(\.name)
            var x = Tensor(zeros: [1, 224, 224, 3])
            var rng = SeededRandom(seed: 3)
            for i in x.data.indices { x.data[i] = rng.uniform() * 256 - 128 }
            for t in options.threads {
                Threading.set(t)
                let s = try medianSeconds(repeats: options.repeats) { _ = try projector.project(x, layers: layers, rule: .deconvnet, seed: .activation) }
                let tf = options.noTF ? nil : try TFReference.run(["deconv", "--model", "vgg16", "--threads", "\(t)", "--repeats", "\(options.repeats)"])["median_s"]?.doubleValue
                report("vgg16 deconv 13 layers threads \(t)", convscope: s, tf: tf)
            }
        }
    }
}

struct SaliencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "saliency", abstract: "One gradient saliency map of ResNet50 (logit of the top class).")
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded {
            let graph = try Zoo.graph(named: "resnet50")
            ForwardBenchmark.randomizeWeights(graph)
            let mapper = try SaliencyMapper(graph: graph)
            var x = Tensor(zeros: [1, 224, 224, 3])
            var rng = SeededRandom(seed: 3)
            for i in x.data.indices { x.data[i] = rng.uniform() * 256 - 128 }
            for t in options.threads {
                Threading.set(t)
                let s = try medianSeconds(repeats: options.repeats) { _ = try mapper.inputGradient(x, classIndex: 0, rule: .gradient) }
                let tf = options.noTF ? nil : try TFReference.run(["saliency", "--model", "resnet50", "--threads", "\(t)", "--repeats", "\(options.repeats)"])["median_s"]?.doubleValue
                report("resnet50 saliency threads \(t)", convscope: s, tf: tf)
            }
        }
    }
}

struct MaximizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maximize", abstract: "One Algorithm-1 step (forward + backward to the input) and a 20-step run.")
    @Option(parsing: .upToNextOption, help: "Models.") var arch: [String] = ["vgg16", "resnet50"]
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded {
            for a in arch {
                let graph = try Zoo.graph(named: a)
                ForwardBenchmark.randomizeWeights(graph)
                let m = try ActivationMaximizer(graph: graph, target: .classScore(284, probability: false))
                let start = m.paperStart(seed: 1)
                for t in options.threads {
                    Threading.set(t)
                    let step = try medianSeconds(repeats: options.repeats) { _ = try m.objectiveAndGradient(start) }
                    var settings = MaximizationSettings()
                    settings.steps = 20
                    let full = try medianSeconds(repeats: 1) { _ = try m.run(from: start, settings: settings) }
                    var tfStep: Double?, tfRun: Double?
                    if !options.noTF {
                        let j = try TFReference.run(["maxstep", "--model", a, "--steps", "20", "--threads", "\(t)", "--repeats", "\(options.repeats)"])
                        tfStep = j["step_median_s"]?.doubleValue
                        tfRun = j["run_median_s"]?.doubleValue
                    }
                    report("\(a) maximize step threads \(t)", convscope: step, tf: tfStep)
                    report("\(a) maximize 20 steps threads \(t)", convscope: full, tf: tfRun)
                }
            }
        }
    }
}

struct InspectBench: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "inspect of a Keras .h5 (metadata, and --weights statistics) against h5py walking the same file.")
    @Argument(help: "A Keras .h5 file (e.g. Fixtures/cache/vgg16.keras3.h5).") var file: String
    @Option(help: "Timed runs.") var repeats = 3
    @Flag(help: "Skip the h5py side.") var noTF = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let meta = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: file, arch: nil, weights: false, tree: false, expandNested: false) }
            let full = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: file, arch: nil, weights: true, tree: false, expandNested: false) }
            var h5Meta: Double?, h5Full: Double?
            if !noTF {
                h5Meta = try TFReference.run(["inspect-h5", "--file", file, "--repeats", "\(repeats)"])["median_s"]?.doubleValue
                h5Full = try TFReference.run(["inspect-h5", "--file", file, "--weights", "--repeats", "\(repeats)"])["median_s"]?.doubleValue
            }
            report("inspect metadata (h5py walk)", convscope: meta, tf: h5Meta)
            report("inspect --weights (h5py + numpy stats)", convscope: full, tf: h5Full)
            print(String(format: "peak memory of this process: %.0f MB", peakRSSMegabytes()))
        }
    }
}

struct MatchingBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "matching",
        abstract: "SIFT extraction + matching of a 224x224 pair and BoW over 30 images, against OpenCV and scikit-image on the same synthetic scenes.")
    @Option(help: "Timed runs.") var repeats = 5
    @Flag(help: "Skip the Python side.") var noTF = false

    func run() throws {
        try ConvScope.guarded {
            let ours = MatchingBenchmark.run(repeats: repeats)
            let ref: JSON? = noTF ? nil : try TFReference.run(["--repeats", "\(repeats)"], script: "matching_bench.py")
            let sift = ours["sift_pair"]!
            report("SIFT pair + NN matching (vs OpenCV)", convscope: sift, tf: ref?["opencv_sift_pair"]?.doubleValue)
            report("SIFT pair + NN matching (vs scikit-image)", convscope: sift, tf: ref?["skimage_sift_pair"]?.doubleValue)
            report("BoW over 30 images (vs OpenCV + cv2.kmeans)", convscope: ours["bow_30"]!, tf: ref?["opencv_bow_30"]?.doubleValue)
            report("SIFT pair + RANSAC similarity", convscope: ours["sift_pair_ransac"]!, tf: nil)
            report("Harris pair + RANSAC affine", convscope: ours["harris_pair"]!, tf: nil)
        }
    }
}

struct BLASBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blas",
        abstract: "Time every OpenBLAS kernel on this CPU (each in a child process, results checked) and record the fastest correct one for convscope to use.")
    @Flag(help: "Internal: run one probe with the current kernel and print JSON.") var probe = false
    @Flag(help: "Measure only; do not record the choice.") var dryRun = false

    func run() throws {
        if probe {
            let (core, gflops) = BLASCore.probe()
            print("{\"core\": \"\(core)\", \"gflops\": \(gflops.map { String($0) } ?? "null")}")
            return
        }
        try ConvScope.guarded {
            if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
                print("OPENBLAS_CORETYPE=\(set) is set in the environment; it is respected and nothing is recorded.")
                return
            }
            print("CPU: \(BLASCore.cpuModel())")
            var best: (String, Double)?
            for candidate in BLASCore.candidates {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
                p.arguments = ["bench", "blas", "--probe"]
                var env = ProcessInfo.processInfo.environment
                env["CONVSCOPE_BLAS_REEXEC"] = "1"
                if candidate != "auto" { env["OPENBLAS_CORETYPE"] = candidate }
                p.environment = env
                let out = Pipe()
                p.standardOutput = out
                p.standardError = FileHandle.nullDevice
                try p.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                let j = p.terminationStatus == 0 ? try? JSONParser().parse(String(decoding: data, as: UTF8.self)) : nil
                let core = j?["core"]?.stringValue ?? "?"
                if let g = j?["gflops"]?.doubleValue {
                    print(String(format: "%-16@ loads kernel %-14@ %7.1f GFLOP/s, results correct", candidate as NSString, core as NSString, g))
                    if best == nil || g > best!.1 * 1.03 { best = (candidate, g) }
                } else {
                    print(String(format: "%-16@ %@", candidate as NSString, p.terminationStatus == 0 ? "wrong results" : "crashed (exit \(p.terminationStatus))"))
                }
            }
            guard let (choice, g) = best else { throw CommandError("no OpenBLAS kernel gave correct results") }
            print(String(format: "fastest correct: %@ (%.1f GFLOP/s)", choice, g))
            if !dryRun {
                try BLASCore.record(choice)
                print("recorded in \(BLASCore.cacheFile.path); convscope uses it from now on")
            }
        }
    }
}

struct PredictProcessBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict-process",
        abstract: "`convscope predict` of VGG16 on one image as a whole process (decode, preprocess, load weights, forward) against a Keras script doing the same.")
    @Argument(help: "A VGG16 Keras file (e.g. Fixtures/cache/vgg16.keras3.h5).") var model: String
    @Argument(help: "An image (e.g. Fixtures/demo/cat224.jpg).") var image: String
    @Option(help: "Timed runs.") var repeats = 3
    @Flag(help: "Skip the Keras side.") var noTF = false

    func run() throws {
        try ConvScope.guarded {
            let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let seconds = try medianSeconds(repeats: repeats) {
                let p = Process()
                p.executableURL = exe
                p.arguments = ["predict", model, image]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                p.waitUntilExit()
                guard p.terminationStatus == 0 else { throw CommandError("convscope predict failed (exit \(p.terminationStatus))") }
            }
            let tf: Double? = noTF ? nil : try TFReference.run(["predict-process", "--image", image, "--weights", model, "--repeats", "\(repeats)"])["process_median_s"]?.doubleValue
            report("predict VGG16, one image, whole process", convscope: seconds, tf: tf)
        }
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train",
        abstract: "Training throughput of Conv (32x32, batch 128, Adam, dropout and max-norm active) and one ResNet50 fine-tuning epoch on 30 images, against Keras.")
    @Option(help: "Batches per timed Conv run.") var batches = 10
    @OptionGroup var options: BenchOptions
    @Flag(help: "Skip the ResNet50 epoch.") var noResnet = false

    func run() throws {
        try ConvScope.guarded {
            for t in options.threads {
                Threading.set(t)
                let conv = try Zoo.graph(named: "conv")
                ForwardBenchmark.randomizeWeights(conv)
                let trainer = try Trainer(graph: conv, optimizer: try OptimizerFactory.make("adam", learningRate: 1e-4, decay: 1e-6),
                                          batchSize: 128, epochs: 1, seed: 1, preprocess: { _ in Tensor(zeros: [1]) })
                let (x, y) = randomBatch(128, [32, 32, 3], classes: 1000)
                let s = try medianSeconds(repeats: options.repeats) { for b in 0..<batches { _ = try trainer.trainStep(x: x, y: y, dropoutSeed: UInt64(b)) } }
                let ours = Double(128 * batches) / s
                var theirs: Double?
                if !options.noTF {
                    theirs = try TFReference.run(["train", "--model", "conv", "--batch", "128", "--batches", "\(batches)", "--threads", "\(t)", "--repeats", "\(options.repeats)"])["images_per_s"]?.doubleValue
                }
                print(String(format: "conv training, batch 128, threads %d: ConvScope %.0f images/s%@", t, ours,
                             theirs.map { String(format: "   Keras %.0f images/s   ratio (ours/theirs) %.2f", $0, ours / $0) } ?? ""))
                guard !noResnet else { continue }
                let resnet = try Zoo.graph(named: "resnet50")
                ForwardBenchmark.randomizeWeights(resnet)
                let rt = try Trainer(graph: resnet, optimizer: try OptimizerFactory.make("adam", learningRate: 1e-3, decay: 1e-6),
                                     batchSize: 32, epochs: 1, seed: 1, preprocess: { _ in Tensor(zeros: [1]) })
                // model.fit(validation_split=0.3) on 30 images: one training batch of 21, evaluation of 9.
                let (tx, ty) = randomBatch(21, [224, 224, 3], classes: 1000)
                let (vx, _) = randomBatch(9, [224, 224, 3], classes: 1000)
                let epoch = try medianSeconds(repeats: 1) {
                    _ = try rt.trainStep(x: tx, y: ty)
                    _ = try resnet.predict(vx)
                }
                let tf: Double? = options.noTF ? nil : try TFReference.run(["train", "--model", "resnet50", "--batch", "32", "--images", "30", "--threads", "\(t)", "--repeats", "1"])["median_s"]?.doubleValue
                report("resnet50 fine-tuning epoch, 30 images, threads \(t)", convscope: epoch, tf: tf)
            }
        }
    }

    func randomBatch(_ n: Int, _ shape: [Int], classes: Int) -> (Tensor, Tensor) {
        var rng = SeededRandom(seed: 9)
        var x = Tensor(zeros: [n] + shape)
        for i in x.data.indices { x.data[i] = rng.uniform() }
        var y = Tensor(zeros: [n, classes])
        for i in 0..<n { y.data[i * classes + Int(rng.next() % UInt64(classes))] = 1 }
        return (x, y)
    }
}
