import ArgumentParser
import Commands
import GraphLayout

/// `--rankdir`: TB or LR, any case.
extension RankDirection: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

struct PlotCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a model's graph as keras.utils.plot_model does, without Python: SVG or PNG.",
        discussion: "One box per layer (name and class), laid out by Graphviz in-process; residual branches side by side. The format is the extension of --out (.svg or .png). Exit 2 on a bad file or option; nothing is written then.")

    @Argument(help: "Keras model file (or a weights file with --arch).") var file: String
    @Option(help: "The picture to write: model.svg or model.png.") var out: String
    @Option(help: "Pair a weights-only file with an architecture: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one.") var arch: String?
    @Flag(help: "Show each layer's output shape (plot_model's show_shapes).") var showShapes = false
    @Option(help: "Direction of the graph: TB (top to bottom) or LR (left to right).") var rankdir: RankDirection = .TB
    @Flag(help: "Draw the layers of nested models inside a frame instead of one box per nested model.") var expandNested = false
    @Flag(help: "Print JSON: out, format, boxes, edges.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try Plot.run(path: file, arch: arch, out: out, showShapes: showShapes, rankDirection: rankdir, expandNested: expandNested)
            print(json ? try JSONOutput.string(r) : "wrote \(r.out) (\(r.format), \(r.boxes) boxes, \(r.edges) edges)")
        }
    }
}
