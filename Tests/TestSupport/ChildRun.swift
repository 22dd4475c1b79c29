import Foundation

/// Runs a program to its end with stdout and stderr captured together: the one Process + Pipe + wait
/// sequence the tests that start a child (the xctest bundle under another ISA, the pinned Python) share.
public enum ChildRun {
    public struct Result {
        public let status: Int32
        public let output: String
    }

    public static func run(_ executable: URL, _ arguments: [String], environment extra: [String: String] = [:],
                           directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: output)
    }
}
