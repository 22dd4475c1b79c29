import ArgumentParser
import Benchmarking
import Commands
import KerasIO
import MemoryLimit
import ONNXExport

struct ExportCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model (or weights paired with --arch) as a Keras file that Keras loads.",
        discussion: """
        Formats: same (the input's own generation and layout), keras3-h5 (Keras 3 model.save("x.h5")), \
        tfkeras-h5 (tf-keras model.save("x.h5")), weights-h5 (save_weights("x.h5")), weights.h5 (Keras 3 \
        .weights.h5), keras (Keras 3 .keras zip), weights.json (Keras 3 sharded weights: a *.weights.json manifest and \
        *_NNNNN.weights.h5 shards beside it, --max-shard-size each), tfjs (a TensorFlow.js layers model: a folder with model.json and \
        group1-shard*of*.bin as tensorflowjs_converter writes it, loadable by tfjs-layers and tensorflowjs' Python \
        loader; --quantize and --shard-size apply to it). float16/bfloat16 variables stay so in the Keras 3 \
        layouts unless --dtype float32. The file (or folder) is written atomically. Writing a \
        TensorFlow SavedModel needs a TensorFlow graph and is not offered. Exit 2 on bad input. \
        Inputs also include tf.keras SavedModel directories and TensorFlow checkpoints (PREFIX, PREFIX.index, \
        or a folder with a `checkpoint` file); writing a SavedModel or a checkpoint needs a TensorFlow graph \
        and is out of scope. \
        --format onnx writes an ONNX model (default opset 17, IR version 8, which onnxruntime 1.31 runs; --opset 13–21) \
        with Keras' input and output names and layout (--layout nchw: channels-first inputs and outputs), a dynamic \
        or fixed --batch, and metadata (source file, its sha256, Keras version, ConvScope version); over 2 GB of \
        weights go to MODEL.data beside it (ONNX external data), the pair written atomically. A layer with no ONNX \
        form in the opset (or a Lambda) is named and nothing is written. Keras 3's quantized layers are written \
        as their stored int8/int4/float8 numbers through DequantizeLinear with Keras' input quantization (float8 \
        needs --opset 19; --dequantize writes the float form). --check runs the pinned Python's \
        onnxruntime on a seeded input beside ConvScope's forward and prints the largest relative difference \
        (and, for a model ending in a softmax, that of the logits: "...largest relative difference D; logits L").
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Option(help: "Pair a weights-only file with an architecture: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one (model JSON, config.json, .keras, full .h5).") var arch: String?
    @Option(help: "Weights file (any form) loaded onto the architecture the model argument names.") var weights: String?
    @Option(help: "Output format (same: the input's own generation and layout; onnx: an ONNX model).") var format: ExportFormatOption = .keras(.same)
    @Option(help: "Output file (a folder for --format tfjs).") var out: String
    @Flag(help: "Write a quantized model's float form (int8/int4 dequantized, float8 with its stored float kernels).")
    var dequantize = false
    @Option(name: .customLong("max-shard-size"),
            help: ArgumentHelp("Largest shard of --format weights.json (e.g. 100M, 1G; default Keras' 5G).", valueName: "size"),
            transform: { try MemorySize.parse($0) })
    var maxShardSize: Int?
    @Option(help: "Stored dtype: stored (float16/bfloat16 kept as the source stored them) or float32.") var dtype: ExportDtype = .stored
    @Option(help: "--format tfjs: store every float32 weight quantized (as tensorflowjs_converter --quantize_*).") var quantize: TFJSQuantization?
    @Option(help: "--format tfjs: largest weight file, e.g. 4M (default 4 MiB, the converter's).") var shardSize: String?
    @Option(help: "--format onnx: the ONNX opset (13–21; default 17, which the pinned onnxruntime 1.31 runs).") var opset: Int = ONNXExportOptions.defaultOpset
    @Option(help: "--format onnx: the batch axis, dynamic or a fixed size N.") var batch: ONNXBatch = .dynamic
    @Option(help: "--format onnx: keras (channels-last inputs and outputs, as Keras) or nchw (channels first).") var layout: ONNXTensorLayout = .keras
    @Flag(help: "--format onnx: run onnxruntime (pinned Python) beside ConvScope on a seeded input and print the largest relative difference (outputs, and logits before a final softmax).")
    var check = false
    @Flag(help: "Print JSON (Schemas/export.schema.json; Schemas/export-onnx.schema.json for --format onnx).") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            if case .onnx = format {
                guard quantize == nil, shardSize == nil, maxShardSize == nil, dtype == .stored else {
                    throw CommandError("--quantize, --shard-size, --max-shard-size and --dtype do not apply to --format onnx")
                }
                let settings = ONNXExportSettings(opset: opset, batch: batch, layout: layout, dequantize: dequantize)
                let r = try ONNXExportCheck.run(path: model, arch: arch, weights: weights, out: out, settings: settings, check: check)
                print(json ? try JSONOutput.string(r) : ExportONNX.render(r))
                return
            }
            guard case .keras(let format) = format else { return }
            guard !check, opset == ONNXExportOptions.defaultOpset, batch == .dynamic, layout == .keras else {
                throw CommandError("--opset, --batch, --layout and --check apply to --format onnx only")
            }
            var tfjs = TFJSExportOptions(quantize: quantize)
            if let s = shardSize { tfjs.shardSize = try MemorySize.parse(s) }
            let r = try Export.run(path: model, arch: arch, weights: weights, format: format, out: out, maxShardBytes: maxShardSize,
                                   dtype: dtype, dequantize: dequantize, tfjs: tfjs)
            print(json ? try JSONOutput.string(r) : Export.render(r))
        }
    }
}

/// `--format`: a Keras layout (KerasFormatChoice) or onnx.
enum ExportFormatOption: ExpressibleByArgument {
    case keras(KerasFormatChoice)
    case onnx

    init?(argument: String) {
        if argument == "onnx" { self = .onnx } else if let k = KerasFormatChoice(rawValue: argument) { self = .keras(k) } else { return nil }
    }
    static var allValueStrings: [String] { KerasFormatChoice.allCases.map(\.rawValue) + ["onnx"] }
    var defaultValueDescription: String {
        switch self {
        case .keras(let k): return k.rawValue
        case .onnx: return "onnx"
        }
    }
}

extension ONNXBatch: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension ONNXTensorLayout: ExpressibleByArgument {}
