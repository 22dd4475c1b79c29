import Commands
import Foundation
import Graph
import Imaging
import ONNXExport
import Tensor

/// `export --format onnx [--check]`: the export, then (with `--check`) the pinned Python's onnxruntime
/// on a seeded input beside ConvScope's own forward (`Benchmarks/onnx_check.py`). Lives beside the other
/// Python-side runs because it shares their subprocess helper and interpreter lookup.
public enum ONNXExportCheck {
    public static func run(path: String, arch: String?, weights: String?, out: String, settings: ONNXExportSettings,
                           check: Bool) throws -> ONNXExportReport {
        var (report, model) = try ExportONNX.run(path: path, arch: arch, weights: weights, out: out, settings: settings)
        if check { report.check = try parity(of: report, graph: model.graph, settings: settings) }
        return report
    }

    /// A seeded input (batch 2, or the fixed batch): uniform in [0, 1), or integer rows for an input an
    /// Embedding reads.
    static func seededInputs(_ graph: Graph, batch: Int) -> [Tensor] {
        var random = SeededRandom(seed: 1234)
        let consumers = graph.consumers
        return graph.inputNodes.map { id in
            let shape = [batch] + graph.nodes[id].outputShape
            let rows = consumers[id].compactMap { graph.nodes[$0].layer as? Embedding }.first.flatMap { try? $0.cfg.int("input_dim") }
            var t = Tensor(zeros: shape)
            for i in t.data.indices {
                let u = random.uniform()
                t.data[i] = rows.map { Float(Int(u * Float($0))) } ?? u
            }
            return t
        }
    }

    static func parity(of report: ONNXExportReport, graph: Graph, settings: ONNXExportSettings) throws -> ONNXParityCheck {
        guard TFReference.python != nil else {
            return ONNXParityCheck(maxRelativeDifference: nil, note: "no pinned Python (scripts/setup.sh --python, or set CONVSCOPE_PYTHON)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-onnx-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch: Int
        if case .fixed(let n) = settings.batch { batch = n } else { batch = 2 }
        let xs = seededInputs(graph, batch: batch)
        var context = ForwardContext()
        let pass = try graph.forward(xs, context: &context)
        var inputs: [String] = [], expected: [String] = []
        for (k, x) in xs.enumerated() {
            let p = dir.appendingPathComponent("in\(k).npy").path
            try NPY.write(x, to: p)
            inputs.append(p)
        }
        for (k, id) in graph.outputNodes.enumerated() {
            let p = dir.appendingPathComponent("out\(k).npy").path
            try NPY.write(pass.values[id]!, to: p)
            expected.append(p)
        }
        let manifest = dir.appendingPathComponent("manifest.json")
        let cases: [[String: Any]] = [["onnx": URL(fileURLWithPath: report.written.path).path, "inputs": inputs, "expected": expected,
                                       "layout": settings.layout.rawValue, "full_check": true, "tolerance": 1e-4]]
        try JSONSerialization.data(withJSONObject: ["cases": cases]).write(to: manifest)
        let result = try TFReference.run([manifest.path], script: "onnx_check.py")
        let c = result["cases"]?.arrayValue?.first
        return ONNXParityCheck(maxRelativeDifference: c?["max_relative"]?.doubleValue, note: c?["error"]?.stringValue)
    }
}
