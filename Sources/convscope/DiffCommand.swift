import ArgumentParser
import Commands

struct DiffCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the weights of two files of the same architecture, layer by layer.",
        discussion: """
        Per layer in depth order: ‖ΔW‖, ‖ΔW‖/‖W_A‖, cosine similarity, max |ΔW|, and for convolutions the \
        five most-changed filters. Exit 0 when the weights are identical, 1 when they differ, 2 when the \
        architectures differ or a file cannot be read.
        """)

    @Argument(help: "First (reference) model or weights file.") var a: String
    @Argument(help: "Second model or weights file.") var b: String
    @Option(help: "Pair weights-only files with an architecture: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one (model JSON, config.json, .keras, full .h5, SavedModel).") var arch: String?
    @Flag(help: "Print JSON (Schemas/diff.schema.json).") var json = false
    @Option(help: "Write a PNG bar chart of the relative change per layer.") var png: String?
    @Option(help: "Write the model page of A (one self-contained HTML file) with each layer coloured by how much its weights changed.") var html: String?
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try WeightDiff.run(a: a, b: b, arch: arch, png: png, html: html)
            print(json ? try JSONOutput.string(r) : WeightDiff.render(r))
            if !r.identical { throw CommandError("", exitCode: 1, kind: .checkFailed) }
        }
    }
}
