import ArgumentParser
import Commands
import KerasIO

struct ExportCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model (or weights paired with --arch) as a Keras file that Keras loads.",
        discussion: """
        Formats: same (the input's own generation and layout), keras3-h5 (Keras 3 model.save("x.h5")), \
        tfkeras-h5 (tf-keras model.save("x.h5")), weights-h5 (save_weights("x.h5")), weights.h5 (Keras 3 \
        .weights.h5), keras (Keras 3 .keras zip). The file is written atomically. Exit 2 on bad input. \
        Inputs also include tf.keras SavedModel directories and TensorFlow checkpoints (PREFIX, PREFIX.index, \
        or a folder with a `checkpoint` file); writing a SavedModel or a checkpoint needs a TensorFlow graph \
        and is out of scope.
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Option(help: "Pair a weights-only file with a built-in architecture (conv, vonc, vgg16, resnet50).") var arch: String?
    @Option(help: "Output format (same: the input's own generation and layout).") var format: KerasFormatChoice = .same
    @Option(help: "Output file.") var out: String
    @Flag(help: "Print JSON (Schemas/export.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try Export.run(path: model, arch: arch, format: format, out: out)
            print(json ? try JSONOutput.string(r) : Export.render(r))
        }
    }
}
