import ArgumentParser
import Commands
import KerasIO
import MemoryLimit

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
        and is out of scope.
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Option(help: "Pair a weights-only file with an architecture: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one (model JSON, config.json, .keras, full .h5).") var arch: String?
    @Option(help: "Weights file (any form) loaded onto the architecture the model argument names.") var weights: String?
    @Option(help: "Output format (same: the input's own generation and layout).") var format: KerasFormatChoice = .same
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
    @Flag(help: "Print JSON (Schemas/export.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            var tfjs = TFJSExportOptions(quantize: quantize)
            if let s = shardSize { tfjs.shardSize = try MemorySize.parse(s) }
            let r = try Export.run(path: model, arch: arch, weights: weights, format: format, out: out, maxShardBytes: maxShardSize,
                                   dtype: dtype, dequantize: dequantize, tfjs: tfjs)
            print(json ? try JSONOutput.string(r) : Export.render(r))
        }
    }
}
