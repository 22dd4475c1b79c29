import ArgumentParser
import Benchmarking
import Commands
import Foundation

/// Benchmarks against TensorFlow measured in the same run: each prints ConvScope's median, TensorFlow's, and the ratio.
/// The bodies live in the `Benchmarking` target; each subcommand maps its options to one call there.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks with ratios against TensorFlow measured in the same run (needs the pinned Python: scripts/setup.sh --python).",
        subcommands: [ForwardBench.self, KernelsBench.self, DeconvBench.self, SaliencyBench.self, AttributionBench.self, MaximizeBench.self, InspectBench.self, ShardedInspectBench.self, MatchingBench.self, BLASBench.self, PredictProcessBench.self, SavedModelBench.self, TrainBench.self, BenchExperimentCommand.self,
                      SequenceBench.self, ONNXExportBench.self],
        defaultSubcommand: ForwardBench.self)
}

struct BenchOptions: ParsableArguments {
    @Option(help: "Timed runs (median reported).") var repeats = 5
    @Option(parsing: .upToNextOption, help: "Thread counts.") var threads: [Int] = [1, 2]
    @Flag(help: "Skip the reference side (TensorFlow; onnxruntime and OpenVINO for forward).") var noTF = false
}

struct ForwardBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Forward passes of built-in models, batch × threads, against TensorFlow, onnxruntime and OpenVINO on the same weights (Keras' seeded ones; ConvScope's random ones with --no-tf).")
    @Option(parsing: .upToNextOption, help: "Models.") var arch: [String] = ["vgg16", "resnet50"]
    @Option(parsing: .upToNextOption, help: "Batch sizes.") var batch: [Int] = [1, 8]
    @OptionGroup var options: BenchOptions
    @Flag(help: "Print the report as JSON (Schemas/bench-forward.schema.json) on stdout, the table on stderr.") var json = false
    @Flag(help: "After each ConvScope row, where the inference plan spends its time: per layer kind and the slowest steps.") var profile = false

    func run() throws {
        try ConvScope.guarded {
            try ForwardBenchmark.compare(archs: arch, batches: batch, threads: options.threads, repeats: options.repeats,
                                         skipReference: options.noTF, json: json, profile: profile)
        }
    }
}

struct DeconvBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deconv", abstract: "DeconvNet projections of all 13 VGG16 convolutional layers for one image (one forward pass).")
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded { try DeconvBenchmark.compare(threads: options.threads, repeats: options.repeats, skipReference: options.noTF) }
    }
}

struct SaliencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "saliency", abstract: "One gradient saliency map of ResNet50 (logit of the top class).")
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded { try SaliencyBenchmark.compare(threads: options.threads, repeats: options.repeats, skipReference: options.noTF) }
    }
}

struct AttributionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribution",
        abstract: "Occlusion of VGG16 (224², patch 32, stride 8), Integrated Gradients (32 steps) and Score-CAM at ResNet50's last block, against TensorFlow.")
    @Option(parsing: .upToNextOption, help: "Methods.") var method: [AttributionBenchmark.Method] = AttributionBenchmark.Method.allCases
    @Option(help: "Occlusion patch.") var patch = 32
    @Option(help: "Occlusion stride.") var stride = 8
    @Option(help: "Integrated Gradients steps.") var steps = 32
    @Option(help: "Score-CAM: the first N of conv5_block3_out's 2048 channels (a shorter run).") var channels = 2048
    @Option(help: "Timed runs (median reported).") var repeats = 1
    @Option(parsing: .upToNextOption, help: "Thread counts.") var threads: [Int] = [2]
    @Flag(help: "Skip the TensorFlow side.") var noTF = false
    @Flag(help: "Also time: occlusion through the whole model per occluded image (the full path), Integrated Gradients at batch 16 and 32 (its default: 8), Score-CAM's batched forwards alone (what it spends beyond them).") var overhead = false

    func run() throws {
        try ConvScope.guarded {
            try AttributionBenchmark.compare(methods: method, threads: threads, repeats: repeats, skipReference: noTF,
                                             patch: patch, stride: stride, steps: steps, channels: channels, overhead: overhead)
        }
    }
}

extension AttributionBenchmark.Method: ExpressibleByArgument {}

struct MaximizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maximize", abstract: "One Algorithm-1 step (forward + backward to the input) and a 20-step run.")
    @Option(parsing: .upToNextOption, help: "Models.") var arch: [String] = ["vgg16", "resnet50"]
    @OptionGroup var options: BenchOptions

    func run() throws {
        try ConvScope.guarded {
            try MaximizeBenchmark.compare(archs: arch, threads: options.threads, repeats: options.repeats, skipReference: options.noTF)
        }
    }
}

struct InspectBench: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "inspect of a Keras .h5 (metadata, and --weights statistics) against h5py walking the same file.")
    @Argument(help: "A Keras .h5 file (e.g. Fixtures/cache/vgg16.keras3.h5).") var file: String
    @Option(help: "Timed runs.") var repeats = 3
    @Flag(help: "Skip the h5py side.") var noTF = false
    @Flag(help: "Only the in-process metadata line (no --weights, no whole-process runs).") var metadataOnly = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded { try InspectBenchmark.compare(file: file, repeats: repeats, skipReference: noTF, metadataOnly: metadataOnly) }
    }
}

struct ShardedInspectBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect-shards",
        abstract: "inspect of VGG16's conv base saved by Keras as sharded weights (made on demand in a temporary folder) against h5py walking the same shards.")
    @Option(help: "Timed runs.") var repeats = 3
    @Flag(help: "Skip the h5py side (Keras still writes the shards).") var noTF = false

    func run() throws {
        try ConvScope.guarded { try ShardedInspectBenchmark.compare(repeats: repeats, skipReference: noTF) }
    }
}

struct MatchingBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "matching",
        abstract: "SIFT extraction + matching of a 224x224 pair and BoW over 30 images, against OpenCV and scikit-image on the same synthetic scenes.")
    @Option(help: "Timed runs.") var repeats = 5
    @Option(help: "Threads of both sides (ConvScope's Threading, OpenCV's cv2.setNumThreads); default: the cores.")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Skip the Python side.") var noTF = false

    func run() throws {
        try ConvScope.guarded { try MatchingBenchmark.compare(repeats: repeats, threads: threads, skipReference: noTF) }
    }
}

struct BLASBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blas",
        abstract: "Time every OpenBLAS kernel on this CPU (each in a child process, results checked) and record the fastest correct one for convscope to use.")
    @Flag(help: "Internal: run one probe with the current kernel and print JSON.") var probe = false
    @Flag(help: "Measure only; do not record the choice.") var dryRun = false

    func run() throws {
        if probe { return print(BLASBenchmark.probeLine()) }
        try ConvScope.guarded { try BLASBenchmark.run(dryRun: dryRun) }
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
        try ConvScope.guarded { try PredictProcessBenchmark.compare(model: model, image: image, repeats: repeats, skipReference: noTF) }
    }
}

struct SavedModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "savedmodel",
        abstract: "A tf.keras SavedModel directory: `convscope predict` on one image and `convscope inspect` as whole processes, against tf_keras.models.load_model + predict and tf.train.list_variables.",
        discussion: "Make the directory with: python Benchmarks/tf_reference.py make-savedmodel --model vgg16 --out /tmp/vgg16.savedmodel")
    @Argument(help: "A tf.keras SavedModel directory of VGG16.") var directory: String
    @Argument(help: "An image (e.g. Fixtures/demo/cat224.jpg).") var image: String
    @Option(help: "Timed runs.") var repeats = 3
    @Flag(help: "Skip the TensorFlow side.") var noTF = false

    func run() throws {
        try ConvScope.guarded { try SavedModelBenchmark.compare(directory: directory, image: image, repeats: repeats, skipReference: noTF) }
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
            try TrainBenchmark.compare(threads: options.threads, batches: batches, repeats: options.repeats, resnet: !noResnet, skipReference: options.noTF)
        }
    }
}

/// Issue 15, "Speed": an LSTM and a Conv1D model forward against TensorFlow.
struct SequenceBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sequence",
        abstract: "Forward passes of an LSTM (batch 32, 100 steps, 128 units) and a Conv1D model (random weights).")
    @Option(parsing: .upToNextOption, help: "Models (lstm, conv1d).") var model: [String] = SequenceBenchmark.models
    @OptionGroup var options: BenchOptions

    func validate() throws {
        if let bad = model.first(where: { !SequenceBenchmark.models.contains($0) }) {
            throw ValidationError("model '\(bad)' is not one of \(SequenceBenchmark.models.joined(separator: ", "))")
        }
    }

    func run() throws {
        try ConvScope.guarded {
            try SequenceBenchmark.compare(models: model, threads: options.threads, repeats: options.repeats, skipReference: options.noTF)
        }
    }
}

/// Issue 24: the measurement behind the inference plan's convolution kernel.
struct KernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernels",
        abstract: "Each convolution shape of the models: im2col + OpenBLAS against oneDNN, interleaved, fastest run of each.")
    @Option(parsing: .upToNextOption, help: "Models.") var arch: [String] = ["vgg16", "resnet50"]
    @Option(help: "Batch size.") var batch = 1
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Runs of each kernel per shape (the fastest counts).") var repeats = 5

    func run() throws {
        try ConvScope.guarded { try KernelBenchmark.compare(archs: arch, batch: batch, threads: threads, repeats: repeats) }
    }
}

struct ONNXExportBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "onnx-export",
        abstract: "A Keras file (VGG16) converted to ONNX by ConvScope and by tf2onnx (from its .h5 through tf-keras) in the same run: time, peak memory and output parity against Keras of each.",
        discussion: "Both converters run as fresh processes under a watchdog that kills one past --limit-gb; prints `ratio X` lines (ConvScope / tf2onnx).")
    static let defaultModel = "Fixtures/cache/vgg16.keras3.h5"
    @Option(help: "The Keras file.") var model = ONNXExportBench.defaultModel
    @Option(help: "Keras' input (.npy) for the parity check.") var input = "Fixtures/cache/vgg16.in.npy"
    @Option(help: "Keras' output (.npy) on that input.") var expected = "Fixtures/cache/vgg16.out.npy"
    @Option(help: "Keras' pre-softmax scores (.npy) on that input, compared with the input of each file's final Softmax (default: Fixtures/cache/vgg16.logits.npy with the default model).") var logits: String?
    @Option(help: "Memory limit of each converter, GB.") var limitGb: Double = 16
    @Flag(help: "Skip tf2onnx.") var noTF = false
    @Flag(help: "Print the report as JSON (Schemas/bench-onnx-export.schema.json) on stdout, the lines on stderr.") var json = false

    func run() throws {
        try ConvScope.guarded {
            let defaultLogits = "Fixtures/cache/vgg16.logits.npy"
            let l = logits ?? (model == Self.defaultModel && FileManager.default.fileExists(atPath: defaultLogits) ? defaultLogits : nil)
            try ONNXExportBenchmark.compare(model: model, input: input, expected: expected, logits: l, limitGB: limitGb,
                                            skipReference: noTF, json: json)
        }
    }
}
