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

    /// Runs `executable` with `arguments` (output discarded, this process' environment) and returns its exit
    /// status and peak resident memory in MB (wait4's ru_maxrss of that one child).
    public static func peakMegabytes(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, peakMB: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw CommandError("cannot start \(executable.path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : status & 0x7f, Double(usage.ru_maxrss) / 1024)
    }
}
