import Commands
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
        let child = try ChildProcess.run(URL(fileURLWithPath: python), [script] + args, environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
        guard child.status == 0 else { throw CommandError("\(name) \(args.joined(separator: " ")) failed (exit \(child.status))") }
        return try JSONParser().parse(String(decoding: child.output, as: UTF8.self))
    }

    /// `run`'s number under `key`, or nil without running anything when the reference side is skipped.
    public static func seconds(_ key: String = "median_s", skip: Bool, _ args: [String], script name: String = "tf_reference.py") throws -> Double? {
        skip ? nil : try run(args, script: name)[key]?.doubleValue
    }
}
