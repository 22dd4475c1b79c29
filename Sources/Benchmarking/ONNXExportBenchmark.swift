import Commands
import Foundation
import Graph

/// `convscope bench onnx-export`: a Keras file (VGG16 by default) converted to ONNX by ConvScope and by
/// tf2onnx 1.17.0 (`from_keras` on the model tf-keras loads from an .h5) in the same run, each as a fresh
/// process under the same memory watchdog: wall time, peak RSS, file size, and the onnxruntime output of
/// each file against Keras' expected output. `Benchmarks/onnx_export_bench.py` drives both converters.
public enum ONNXExportBenchmark {
    /// One converter's run.
    public struct Converter: Codable, Sendable {
        public let seconds: Double
        public let peakRssMb: Double
        /// Exit status of the converting process (the signal number when it was killed).
        public let status: Int
        /// Killed by the watchdog past the memory limit.
        public let killed: Bool
        /// max |onnxruntime − Keras| / max |Keras|, nil when no file was written.
        public let parityVsKeras: Double?
        /// The same on the input of the file's final Softmax against Keras' logits, when given and there is one.
        public let logitsParityVsKeras: Double?
        public let bytes: Int?
        /// Why it failed (killed, its last error lines, or tf-keras unable to load the model).
        public let note: String?
    }

    /// What `bench onnx-export --json` prints (Schemas/bench-onnx-export.schema.json).
    public struct Report: Codable, Sendable {
        public let bench: String
        public let date: String
        public let machine: MachineHeader.Info
        public let model: String
        public let memoryLimitGb: Double
        public let convscope: Converter
        /// nil with --no-tf.
        public let tf2onnx: Converter?
        /// ConvScope / tf2onnx, nil when tf2onnx did not finish.
        public let timeRatio: Double?
        public let peakMemoryRatio: Double?
    }

    @discardableResult
    public static func compare(model: String, input: String, expected: String, logits: String?, limitGB: Double,
                               skipReference: Bool, json: Bool = false) throws -> Report {
        let say: (String) -> Void = json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { print($0) }
        say(MachineHeader.line)
        for f in [model, input, expected] + (logits.map { [$0] } ?? []) where !FileManager.default.fileExists(atPath: f) {
            throw CommandError("\(f): no such file (the VGG16 fixtures are made by scripts/test.sh into Fixtures/cache; or pass --model, --input, --expected)")
        }
        var args = ["--convscope", ChildProcess.thisExecutable.path, "--model", model, "--input", input, "--expected", expected,
                    "--limit-gb", String(limitGB)]
        if let logits { args += ["--logits", logits] }
        if skipReference { args.append("--skip-tf2onnx") }
        let r = try TFReference.run(args, script: "onnx_export_bench.py")
        func converter(_ j: JSON?) -> Converter? {
            guard let j, let s = j["seconds"]?.doubleValue else { return nil }
            return Converter(seconds: s, peakRssMb: j["peak_rss_mb"]?.doubleValue ?? 0, status: j["status"]?.intValue ?? -1,
                             killed: j["killed"]?.boolValue ?? false, parityVsKeras: j["parity_vs_keras"]?.doubleValue,
                             logitsParityVsKeras: j["logits_parity_vs_keras"]?.doubleValue, bytes: j["bytes"]?.intValue,
                             note: j["note"]?.stringValue)
        }
        guard let ours = converter(r["convscope"]) else { throw CommandError("onnx_export_bench.py reported no ConvScope run") }
        let theirs = converter(r["tf2onnx"])
        let name = URL(fileURLWithPath: model).lastPathComponent
        let finished = theirs.map { $0.status == 0 && !$0.killed } ?? false
        let report = Report(bench: "onnx-export", date: ISO8601DateFormatter().string(from: Date()), machine: MachineHeader.info,
                            model: model, memoryLimitGb: limitGB, convscope: ours, tf2onnx: theirs,
                            timeRatio: finished ? ours.seconds / theirs!.seconds : nil,
                            peakMemoryRatio: finished ? ours.peakRssMb / theirs!.peakRssMb : nil)
        say(line(name, "ConvScope", ours))
        if let theirs { say(line(name, "tf2onnx", theirs)) }
        if let t = report.timeRatio { say(String(format: "%@ to ONNX time (ConvScope / tf2onnx)         ratio %.3f", name, t)) }
        if let m = report.peakMemoryRatio { say(String(format: "%@ to ONNX peak RSS (ConvScope / tf2onnx)     ratio %.3f", name, m)) }
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if let ours = report.convscope.status == 0 ? nil : report.convscope {
            throw CommandError("convscope export of \(model) failed (exit \(ours.status))")
        }
        return report
    }

    static func line(_ model: String, _ who: String, _ c: Converter) -> String {
        var s = String(format: "%@ to ONNX  %-10@ %8.1f s   peak RSS %7.0f MB", model, who, c.seconds, c.peakRssMb)
        s += "   parity vs Keras " + (c.parityVsKeras.map { String(format: "%.2e", $0) } ?? "-")
        if let l = c.logitsParityVsKeras { s += String(format: " (logits %.2e)", l) }
        if let n = c.note { s += " (\(n))" }
        return s
    }
}
