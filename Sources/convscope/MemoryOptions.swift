import ArgumentParser
import MemoryLimit

/// `--max-memory`, shared by every command that reads input files.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("Refuse inputs that declare more memory than this: tensors, images, zip entries, a model's weights "
                               + "(e.g. 512M, 2G, 1.5GiB; K/M/G/T are powers of 1024; default: half the RAM, "
                               + "\(MemorySize.format(MemoryLimit.defaultBytes)) here).", valueName: "size"),
            transform: { try MemorySize.parse($0) })
    var maxMemory: Int?

    /// Sets the process-wide limit every reader checks against.
    func apply() {
        if let maxMemory { MemoryLimit.bytes = maxMemory }
    }
}

/// A command with `--max-memory`: `ConvScope.main` applies it after parsing, before the command runs.
protocol ReadsInputFiles {
    var memory: MemoryOptions { get }
}
