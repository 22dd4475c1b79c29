import Foundation
import Graph

/// Runs `Benchmarks/tf_reference.py` (TensorFlow's side of a benchmark) and returns its JSON.
public enum TFReference {
    /// The pinned Python: $CONVSCOPE_PYTHON, else ~/.cache/convscope/venv/bin/python.
    public static var python: String? {
        if let p = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let p = home + "/.cache/convscope/venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// Finds Benchmarks/NAME from the current folder upwards.
    public static func script(_ name: String = "tf_reference.py") -> String? {
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<6 {
            let p = dir.appendingPathComponent("Benchmarks/\(name)").path
            if FileManager.default.fileExists(atPath: p) { return p }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    public static func run(_ args: [String], script name: String = "tf_reference.py") throws -> JSON {
        guard let python else { throw CommandError("no pinned Python for the reference side: run scripts/setup.sh --python (or set CONVSCOPE_PYTHON)") }
        guard let script = script(name) else { throw CommandError("Benchmarks/\(name) not found: run bench from the ConvScope checkout") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script] + args
        var env = ProcessInfo.processInfo.environment
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CommandError("\(name) \(args.joined(separator: " ")) failed (exit \(p.terminationStatus))") }
        return try JSONParser().parse(String(decoding: data, as: UTF8.self))
    }
}

/// Median wall time of `body` over `repeats` runs after one warm-up.
public func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}
