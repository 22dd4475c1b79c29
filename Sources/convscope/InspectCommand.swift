import ArgumentParser
import Commands

struct InspectCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a Keras file's layers, shapes and parameter counts, and what the file is.",
        discussion: "Reads .h5 (Keras 1, 2, tf.keras, Keras 3), .weights.h5, sharded .weights.json (with its shards), .keras files and unzipped .keras folders. Exit 2 on a bad file.")

    @Argument(help: "Keras model or weights file.") var file: String
    @Option(help: "Pair a weights-only file with an architecture: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one (model JSON, config.json, .keras, full .h5).") var arch: String?
    @Flag(help: "Per-weight statistics (min, max, mean, std, zeros, NaN/Inf), streamed.") var weights = false
    @Flag(help: "The HDF5 object tree with attributes.") var tree = false
    @Flag(help: "List the layers of nested models.") var expandNested = false
    @Option(help: "Batch size the MACs, other ops and activation memory are counted for.") var batch = 1
    @Flag(help: "Print JSON (Schemas/inspect.schema.json).") var json = false
    @Option(help: "Also write the model page: one self-contained HTML file (graph, search, heat colouring, each layer's config and weights; with --weights their statistics).") var html: String?
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try html.map { try InspectPage.write(path: file, arch: arch, weights: weights, tree: tree, expandNested: expandNested, batch: batch, out: $0) }
                ?? Inspect.run(path: file, arch: arch, weights: weights, tree: tree, expandNested: expandNested, batch: batch)
            print(json ? try JSONOutput.string(r) : Inspect.render(r) + (html.map { "\nPage: \($0)" } ?? ""))
        }
    }
}

struct ValidateCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a Keras file against an expected parameter count, architecture or other file.",
        discussion: "Exit 0 when it holds, 1 when it does not (each difference is listed), 2 on bad input.")

    @Argument(help: "Keras model or weights file.") var file: String
    @Option(help: "Expected total parameter count.") var expectParams: Int?
    @Option(help: "Expected built-in architecture (conv, vonc, vgg16, resnet50).") var arch: String?
    @Option(help: "Another file whose layers and weight shapes this one must match.") var like: String?
    @Flag(help: "Print JSON (Schemas/validate.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        let given = [expectParams != nil, arch != nil, like != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --expect-params, --arch, --like") }
    }

    func run() throws {
        try ConvScope.guarded {
            let expect: Validate.Expectation = expectParams.map { .params($0) } ?? arch.map { .arch($0) } ?? .like(like!)
            let r = try Validate.run(path: file, expect: expect)
            print(json ? try JSONOutput.string(r) : Validate.render(r))
            if !r.ok { throw CommandError("", exitCode: 1, kind: .checkFailed) }
        }
    }
}
