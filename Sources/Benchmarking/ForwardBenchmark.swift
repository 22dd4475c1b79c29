import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import Zoo

/// Times forward passes of a graph: the median of several runs after one warm-up.
public enum ForwardBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let batch: Int
        public let threads: Int
        public let medianSeconds: Double
        public let gflops: Double?
        public let peakRSSMB: Double
    }

    /// GFLOP per image of a forward pass of the built-in models (multiply-adds counted as two).
    public static let gflopPerImage: [String: Double] = ["vgg16": 30.95, "resnet50": 7.74, "conv": 0.154, "vonc": 0.097]

    /// Random weights are fine for timing; inputs are random in a caffe-like range. `fused`: through the
    /// inference plan (oneDNN, folded BatchNormalization, fused epilogues), as `predict` runs; otherwise
    /// the layer-by-layer forward (im2col + OpenBLAS) that recorded passes use.
    public static func run(graph: Graph, batch: Int, threads: Int, repeats: Int, gflopPerImage: Double?, fused: Bool = true) throws -> Result {
        Threading.set(threads)
        let x = randomInput([batch] + graph.nodes[graph.inputNodes[0]].outputShape, seed: 7, scale: 255)
        let plan = fused ? InferencePlan(graph: graph) : nil
        let median = try medianSeconds(repeats: repeats) { _ = try plan?.predict(x) ?? graph.predict(x) }
        return Result(model: graph.name, batch: batch, threads: threads, medianSeconds: median,
                      gflops: gflopPerImage.map { $0 * Double(batch) / median }, peakRSSMB: peakRSSMegabytes())
    }

    /// One model × batch × threads of `bench forward`: every engine's median in seconds (nil when not run).
    public struct Row: Codable, Sendable {
        public let model: String
        public let batch: Int
        public let threads: Int
        /// The inference plan (what `predict` runs).
        public let convscopeSeconds: Double
        /// The layer-by-layer forward (im2col + OpenBLAS), which recorded passes use.
        public let convscopeUnfusedSeconds: Double
        public let convscopeGflops: Double?
        public let tensorflowSeconds: Double?
        public let onnxruntimeSeconds: Double?
        public let openvinoSeconds: Double?
        /// The fastest reference engine, and ConvScope's time over its (nil without references).
        public let fastestReference: String?
        public let ratioToFastest: Double?
    }

    /// What `bench forward --json` prints (Schemas/bench-forward.schema.json).
    public struct Report: Codable, Sendable {
        public let bench: String
        public let date: String
        public let machine: MachineHeader.Info
        public let rows: [Row]
        /// onnxruntime's and OpenVINO's outputs against Keras' (batch 1), per model.
        public let engineChecks: [String: [String: Double]]
        /// Whose weights every engine ran: Keras' seeded ones, saved by the Python side and loaded by
        /// ConvScope (`keras`), or ConvScope's own seeded random ones when no reference engine ran.
        public let weights: String
        /// ConvScope's output (the inference plan, batch 1) against each engine's on the same input and
        /// weights: max |difference| / max |engine's output|, per model and engine.
        public let parity: [String: [String: Double]]
        public let peakRSSMB: Double
    }

    /// `convscope bench forward`: each model × batch × thread count, ConvScope (fused and unfused) against
    /// TensorFlow, onnxruntime and OpenVINO (unless `skipReference`) on the same model; `json` prints the
    /// report as JSON on stdout and the table on stderr.
    @discardableResult
    public static func compare(archs: [String], batches: [Int], threads: [Int], repeats: Int, skipReference: Bool,
                               json: Bool = false, profile: Bool = false) throws -> Report {
        let say: (String) -> Void = json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { print($0) }
        say(MachineHeader.line)
        var rows: [Row] = [], checks: [String: [String: Double]] = [:], parity: [String: [String: Double]] = [:]
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-bench-forward-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for a in archs {
            let graph = try Zoo.graph(named: a)
            // onnxruntime and OpenVINO: one Python process per model for every batch and thread count. It saves
            // its Keras model's weights, which ConvScope and TensorFlow then load: every engine runs the same ones.
            var engines: [String: (ort: Double?, ov: Double?)] = [:]
            var weightArguments: [String] = []
            if skipReference {
                randomizeWeights(graph)
            } else {
                let weightsFile = scratch.appendingPathComponent("\(a).weights.h5").path, dump = scratch.appendingPathComponent(a).path
                let e = try TFReference.run(["forward", "--model", a, "--batches"] + batches.map(String.init)
                                            + ["--threads"] + threads.map(String.init) + ["--repeats", "\(repeats)",
                                            "--save-weights", weightsFile, "--dump", dump],
                                            script: "engines_reference.py")
                try KerasFile.attach(weightsFile: weightsFile, to: graph)
                weightArguments = ["--weights", weightsFile]
                parity[a] = try outputParity(graph: graph, dump: dump)
                say("\(a): ConvScope's output against each engine's (same weights, batch 1): "
                    + parity[a]!.sorted { $0.key < $1.key }.map { String(format: "%@ %.1e", $0.key, $0.value) }.joined(separator: ", "))
                for r in e["results"]?.arrayValue ?? [] {
                    engines["\(r["batch"]?.intValue ?? 0)x\(r["threads"]?.intValue ?? 0)"] = (r["onnxruntime_s"]?.doubleValue, r["openvino_s"]?.doubleValue)
                }
                var c: [String: Double] = [:]
                for (k, v) in e["check_against_keras"]?.objectValue?.pairs ?? [] { c[k] = v.doubleValue }
                checks[a] = c
                say("\(a): onnxruntime \(e["onnxruntime"]?.stringValue ?? "?"), OpenVINO \(e["openvino"]?.stringValue ?? "?"); outputs against Keras: "
                    + c.sorted { $0.key < $1.key }.map { String(format: "%@ %.1e", $0.key, $0.value) }.joined(separator: ", "))
            }
            for b in batches { for t in threads {
                let fused = try run(graph: graph, batch: b, threads: t, repeats: repeats, gflopPerImage: gflopPerImage[a])
                if profile {
                    let x = randomInput([b] + graph.nodes[graph.inputNodes[0]].outputShape, seed: 7, scale: 255)
                    for fast in [false, true] {
                        let steps = try ForwardProfile.measure(plan: InferencePlan(graph: graph, fastPooling: fast), input: x, repeats: repeats)
                        say("\(a) batch \(b) threads \(t), the inference plan step by step, pooling \(fast ? "through oneDNN" : "by the layers' own forward"):")
                        ForwardProfile.lines(steps).forEach(say)
                    }
                }
                let unfused = try run(graph: graph, batch: b, threads: t, repeats: repeats, gflopPerImage: gflopPerImage[a], fused: false)
                let tf = try TFReference.seconds(skip: skipReference, ["forward", "--model", a, "--batch", "\(b)", "--threads", "\(t)", "--repeats", "\(repeats)"] + weightArguments)
                let e = engines["\(b)x\(t)"]
                let refs = [("TensorFlow", tf), ("onnxruntime", e?.ort ?? nil), ("OpenVINO", e?.ov ?? nil)].compactMap { n, s in s.map { (n, $0) } }
                let fastest = refs.min { $0.1 < $1.1 }
                let row = Row(model: a, batch: b, threads: t, convscopeSeconds: fused.medianSeconds,
                              convscopeUnfusedSeconds: unfused.medianSeconds, convscopeGflops: fused.gflops,
                              tensorflowSeconds: tf, onnxruntimeSeconds: e?.ort ?? nil, openvinoSeconds: e?.ov ?? nil,
                              fastestReference: fastest?.0, ratioToFastest: fastest.map { fused.medianSeconds / $0.1 })
                rows.append(row)
                say(line(row))
            } }
        }
        let report = Report(bench: "forward", date: ISO8601DateFormatter().string(from: Date()), machine: MachineHeader.info,
                            rows: rows, engineChecks: checks, weights: skipReference ? "convscope-random" : "keras",
                            parity: parity, peakRSSMB: peakRSSMegabytes())
        say(String(format: "peak memory of this process: %.0f MB", report.peakRSSMB))
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        return report
    }

    /// The inference plan's output on the Python side's batch-1 input against each engine's output there
    /// (`engines_reference.py --dump`): max |difference| / max |engine's|, by engine name.
    static func outputParity(graph: Graph, dump: String) throws -> [String: Double] {
        let y = try InferencePlan(graph: graph).predict(try NPY.read(dump + "/input.npy"))
        var result: [String: Double] = [:]
        for (file, engine) in [("tensorflow", "TensorFlow"), ("onnxruntime", "onnxruntime"), ("openvino", "OpenVINO")] {
            let want = try NPY.read(dump + "/\(file).npy")
            guard want.count == y.count else { throw CommandError("bench forward: \(engine)'s output has \(want.count) values, ConvScope's \(y.count)") }
            let scale = Double(want.data.map(abs).max() ?? 0)
            let diff = Double(zip(y.data, want.data).map { abs($0 - $1) }.max() ?? 0)
            result[engine] = diff / (scale > 0 ? scale : 1)
        }
        return result
    }

    /// One table line: every engine in ms, then `ratio X` to the fastest reference.
    static func line(_ r: Row) -> String {
        func ms(_ s: Double?) -> String { s.map { String(format: "%8.1f", $0 * 1000) } ?? "       -" }
        var s = String(format: "%@ batch %d threads %d", r.model, r.batch, r.threads).padding(toLength: 30, withPad: " ", startingAt: 0)
        s += "ConvScope \(ms(r.convscopeSeconds)) ms (unfused \(ms(r.convscopeUnfusedSeconds))"
        s += r.convscopeGflops.map { String(format: ", %.0f GFLOP/s)", $0) } ?? ")"
        s += "   TensorFlow \(ms(r.tensorflowSeconds))   onnxruntime \(ms(r.onnxruntimeSeconds))   OpenVINO \(ms(r.openvinoSeconds))"
        if let ratio = r.ratioToFastest, let f = r.fastestReference { s += String(format: "   ratio %.2f (to %@)", ratio, f) }
        return s
    }

    /// Randomises every weight (He-normal-ish), so a zoo graph can be timed without a file.
    public static func randomizeWeights(_ graph: Graph, seed: UInt64 = 1) {
        var rng = SeededRandom(seed: seed)
        for layer in graph.layers {
            for k in layer.weights.indices {
                let fanIn = Float(layer.weights[k].value.shape.dropLast().reduce(1, *))
                let scale = layer.weights[k].name.contains("variance") ? 0 : (2 / max(fanIn, 1)).squareRoot()
                for i in layer.weights[k].value.data.indices {
                    layer.weights[k].value.data[i] = layer.weights[k].name.contains("variance") ? 1 : rng.normal() * scale
                }
            }
        }
    }

    /// A seeded random input, uniform in [-128, scale - 128).
    public static func randomInput(_ shape: [Int], seed: UInt64, scale: Float) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var x = Tensor(zeros: shape)
        for i in x.data.indices { x.data[i] = rng.uniform() * scale - 128 }
        return x
    }
}
