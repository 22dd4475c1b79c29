import Commands
import Foundation
import Graph
import Imaging
import KerasIO
import ONNXExport
import TestSupport
import XCTest

/// `export --format onnx` against Keras: every fixture model of every generation exported, then
/// `onnx.checker.check_model(full_check=True)` and onnxruntime against Keras' expected outputs within
/// 1e-4 relative, all in one Python process (`Benchmarks/onnx_check.py`).
final class ONNXExportTests: XCTestCase {
    static let root = Fixture.root.deletingLastPathComponent()

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// A model file with Keras' inputs and outputs beside it.
    struct Case {
        var model: String
        var inputs: [String]
        var outputs: [String]
        /// Whether the outputs carry the model file's own prefix (not a shorter stem's, shared by several files).
        var own: Bool
    }

    /// Files named PREFIX.in[K].npy / PREFIX.out[K].npy beside model files PREFIX.* (a model's own outputs
    /// `text.keras3.out.npy` first, its stem's inputs `text.in0.npy` when it has none of its own).
    static func cases(in folder: String) -> [Case] {
        let dir = Fixture.root.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        let set = Set(names)
        func numbered(_ prefix: String, _ kind: String) -> [String] {
            if set.contains("\(prefix).\(kind).npy") { return [dir.appendingPathComponent("\(prefix).\(kind).npy").path] }
            var out: [String] = [], k = 0
            while set.contains("\(prefix).\(kind)\(k).npy") { out.append(dir.appendingPathComponent("\(prefix).\(kind)\(k).npy").path); k += 1 }
            return out
        }
        var result: [Case] = []
        for name in names.sorted() where !name.hasSuffix(".npy") && !name.hasSuffix(".json") && !name.contains("weights") {
            // PREFIX: the name less its model extension, then less one dotted part at a time.
            var parts = name.split(separator: ".").map(String.init)
            if parts.count > 1 && ["h5", "keras", "savedmodel", "ckpt"].contains(parts.last!) { parts.removeLast() }
            var outputs: [String] = [], inputs: [String] = []
            var p = parts, own = false
            while !p.isEmpty && (outputs.isEmpty || inputs.isEmpty) {
                let prefix = p.joined(separator: ".")
                if outputs.isEmpty { outputs = numbered(prefix, "out"); own = !outputs.isEmpty && p.count == parts.count }
                if inputs.isEmpty { inputs = numbered(prefix, "in") }
                p.removeLast()
            }
            if !outputs.isEmpty && !inputs.isEmpty { result.append(Case(model: dir.appendingPathComponent(name).path, inputs: inputs, outputs: outputs, own: own)) }
        }
        return result
    }

    static let folders = ["models", "layers", "layers15", "formats", "keras1", "chfirst", "keras2026", "sequences", "attention", "quantized",
                          "tfcontainers", "tfjs", "onnxlow"]

    /// Runs `Benchmarks/onnx_check.py` over `cases` (dictionaries as it reads them) in one process.
    static func onnxCheck(_ cases: [[String: Any]], dir: URL) throws -> [[String: Any]] {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            throw XCTSkip("CONVSCOPE_PYTHON is not set: onnxruntime checks need the pinned Python (scripts/test.sh sets it)")
        }
        let manifest = dir.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: ["cases": cases]).write(to: manifest)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [root.appendingPathComponent("Benchmarks/onnx_check.py").path, manifest.path]
        var env = ProcessInfo.processInfo.environment
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return json?["cases"] as? [[String: Any]] ?? []
    }

    /// Whether ConvScope's forward on the case's inputs gives its outputs (within 1e-4).
    static func reproduces(_ graph: Graph, _ c: Case) throws -> Bool {
        let xs = try c.inputs.map { try NPY.read($0) }
        guard xs.count == graph.inputNodes.count,
              zip(xs, graph.inputNodes).allSatisfy({ Array($0.shape.dropFirst()) == graph.nodes[$1].outputShape }) else { return false }
        var context = ForwardContext()
        let pass = try graph.forward(xs, context: &context)
        return try zip(graph.outputNodes, c.outputs).allSatisfy { id, path in
            let want = try NPY.read(path)
            return want.shape == pass.values[id]!.shape && Fixture.relativeError(pass.values[id]!, want) <= 1e-4
        }
    }

    /// VGG16 and ResNet50 from Fixtures/cache, their softmax outputs and their logits (when the large fixtures were generated, as scripts/test.sh does).
    /// Minutes in a debug build: runs in scripts/test.sh's plain pass only (CONVSCOPE_ONNX_LARGE=1), not under the sanitizers.
    func testVGG16AndResNet50MatchKeras() throws {
        guard ProcessInfo.processInfo.environment["CONVSCOPE_ONNX_LARGE"] == "1" else {
            throw XCTSkip("VGG16 / ResNet50 to ONNX run with CONVSCOPE_ONNX_LARGE=1 (scripts/test.sh sets it for its plain run)")
        }
        let dir = try tempDir()
        var checks: [[String: Any]] = []
        for name in ["vgg16", "resnet50"] {
            guard let file = Fixture.cached("\(name).keras3.h5") else { continue }
            let out = dir.appendingPathComponent("\(name).onnx").path
            let model = try ExportONNX.run(path: file, arch: nil, out: out).model
            checks.append(["onnx": out, "inputs": [Fixture.path("cache/\(name).in.npy")], "expected": [Fixture.path("cache/\(name).out.npy")],
                           "layout": "keras", "tolerance": 1e-4])
            // The softmax's near-zero probabilities say little about a relative difference: the logits too
            // (the model written without its final softmax, against Keras' pre-softmax scores).
            guard FileManager.default.fileExists(atPath: Fixture.path("cache/\(name).logits.npy")) else { continue }
            let logits = dir.appendingPathComponent("\(name).logits.onnx").path
            _ = try ONNXFile.write(try ONNXExporter.model(of: try model.graph.logitGraph(), options: ExportONNX.options(ONNXExportSettings(), model: model)),
                                   to: logits)
            checks.append(["onnx": logits, "inputs": [Fixture.path("cache/\(name).in.npy")], "expected": [Fixture.path("cache/\(name).logits.npy")],
                           "layout": "keras", "tolerance": 1e-4])
        }
        if checks.isEmpty { throw XCTSkip("Fixtures/cache has no VGG16 / ResNet50 (scripts/test.sh generates them)") }
        for r in try Self.onnxCheck(checks, dir: dir) {
            XCTAssertEqual(r["ok"] as? Bool, true, "\(r)")
            print("ONNX export: \(r["onnx"] ?? "") relative difference \(r["max_relative"] ?? "-")")
        }
    }

    func testEveryFixtureModelExportsAndMatchesKeras() throws {
        let dir = try tempDir()
        var checks: [[String: Any]] = []
        var refused: [String] = [], unreadable = 0, foreign = 0
        for folder in Self.folders {
            for c in Self.cases(in: folder) {
                let out = dir.appendingPathComponent("\(folder)-\(URL(fileURLWithPath: c.model).lastPathComponent).onnx").path
                do {
                    let model = try ExportONNX.run(path: c.model, arch: nil, out: out).model
                    // A stem's shared arrays fit only some of its files (a Theano file takes (N, C, H, W), an
                    // optimizer-state file was trained a step): those whose Keras numbers ConvScope does not
                    // reproduce are other files' fixtures, not this one's.
                    if !c.own, try !Self.reproduces(model.graph, c) { foreign += 1; continue }
                } catch let e as ONNXExportError {
                    XCTAssertTrue([.unsupportedLayer, .notRunnable].contains(e.kind), "\(c.model): \(e)")
                    // Every kind the engine runs has a lowering: only Lambdas are refused, and float8 layers at
                    // the default opset 17 (ONNXQuantizedExportTests exports them at 19 and 21).
                    XCTAssertTrue(e.kind == .notRunnable || (e.description.contains("float8") && e.description.contains("opset 17")),
                                  "\(c.model) refused: \(e)")
                    XCTAssertTrue(e.description.hasPrefix("layer '"), "the refusal names the layer: \(e)")
                    XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written for a refusal: \(out)")
                    refused.append("\(folder)/\(URL(fileURLWithPath: c.model).lastPathComponent): \(e)")
                    continue
                } catch {
                    unreadable += 1                                    // weights-only, or refused by the reader
                    continue
                }
                checks.append(["onnx": out, "inputs": c.inputs, "expected": c.outputs, "layout": "keras", "tolerance": 1e-4])
            }
        }
        let results = try Self.onnxCheck(checks, dir: dir)
        XCTAssertEqual(results.count, checks.count)
        var worst = 0.0
        for r in results {
            let rel = r["max_relative"] as? Double
            worst = max(worst, rel ?? 0)
            XCTAssertEqual(r["ok"] as? Bool, true, "\(r["onnx"] ?? ""): \(r["error"] ?? "") relative \(rel.map { String($0) } ?? "-")")
        }
        print("ONNX export: \(checks.count) fixture models exported and matched Keras (largest relative difference \(worst)); "
              + "\(refused.count) refused, \(unreadable) not loadable as full models, \(foreign) beside another file's arrays")
        for r in refused { print("  refused: \(r)") }
        XCTAssertGreaterThan(checks.count, 150, "too few fixture models exported")
    }
}
