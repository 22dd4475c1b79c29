import Commands
import Foundation

/// The one way a benchmark runs another program: the reference scripts (`TFReference`), this
/// executable probing an OpenBLAS kernel (`BLASBenchmark`) or timed as a whole process
/// (`PredictProcessBenchmark`). Standard error is discarded; standard output is returned.
public enum ChildProcess {
    public struct Finished: Sendable {
        /// The exit status, or the signal number when the child was killed by one.
        public let status: Int32
        public let output: Data
    }

    /// This executable (`convscope`), for children that run one of its own subcommands.
    public static var thisExecutable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    /// Runs `executable` with `arguments`; `environment` is added to this process' environment.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Finished {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Finished(status: p.terminationStatus, output: data)
    }

    /// Median wall time of `convscope ARGUMENTS` as a whole process (one warm-up run first); a failing run throws.
    public static func medianSeconds(of arguments: [String], repeats: Int) throws -> Double {
        try Benchmarking.medianSeconds(repeats: repeats) {
            let child = try run(thisExecutable, arguments)
            guard child.status == 0 else { throw CommandError("convscope \(arguments.joined(separator: " ")) failed (exit \(child.status))") }
        }
    }
}
