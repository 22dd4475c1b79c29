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
        .weights.h5), keras (Keras 3 .keras zip), tfjs (a TensorFlow.js layers model: a folder with model.json and \
        group1-shard*of*.bin as tensorflowjs_converter writes it, loadable by tfjs-layers and tensorflowjs' Python \
        loader; --quantize and --shard-size apply to it). The file (or folder) is written atomically. Writing a \
        TensorFlow SavedModel needs a TensorFlow graph and is not offered. Exit 2 on bad input.
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Option(help: "Pair a weights-only file with a built-in architecture (conv, vonc, vgg16, resnet50).") var arch: String?
    @Option(help: "Output format (same: the input's own generation and layout).") var format: KerasFormatChoice = .same
    @Option(help: "Output file (a folder for --format tfjs).") var out: String
    @Option(help: "--format tfjs: store every float32 weight quantized (as tensorflowjs_converter --quantize_*).") var quantize: TFJSQuantization?
    @Option(help: "--format tfjs: largest weight file, e.g. 4M (default 4 MiB, the converter's).") var shardSize: String?
    @Flag(help: "Print JSON (Schemas/export.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            var tfjs = TFJSExportOptions(quantize: quantize)
            if let s = shardSize { tfjs.shardSize = try MemorySize.parse(s) }
            let r = try Export.run(path: model, arch: arch, format: format, out: out, tfjs: tfjs)
            print(json ? try JSONOutput.string(r) : Export.render(r))
        }
    }
}
