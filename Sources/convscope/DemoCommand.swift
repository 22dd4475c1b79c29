import ArgumentParser
import Commands

struct DemoCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the bundled trained model and images: predictions, DeconvNet montage, saliency, maximization.")

    @Option(help: "Output folder.") var out = "convscope-demo"
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try Demo.run(out: out, quiet: json)
            print(json ? try JSONOutput.string(r) : Demo.render(r))
        }
    }
}
