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
        if check { report.check = try parity(of: report, model: model, settings: settings) }
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

    /// onnxruntime on the written file beside ConvScope's forward; when the model ends in a softmax, also
    /// the model written again without it (`Graph.logitGraph`) beside ConvScope's logits, in the same Python run.
    static func parity(of report: ONNXExportReport, model: LoadedModel, settings: ONNXExportSettings) throws -> ONNXParityCheck {
        guard TFReference.python != nil else {
            return ONNXParityCheck(maxRelativeDifference: nil, note: "no pinned Python (scripts/setup.sh --python, or set CONVSCOPE_PYTHON)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-onnx-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = model.graph
        let batch: Int
        if case .fixed(let n) = settings.batch { batch = n } else { batch = 2 }
        let xs = seededInputs(graph, batch: batch)
        var inputs: [String] = []
        for (k, x) in xs.enumerated() {
            let p = dir.appendingPathComponent("in\(k).npy").path
            try NPY.write(x, to: p)
            inputs.append(p)
        }
        /// ConvScope's outputs of `g` on the seeded inputs, as .npy files named after `stem`.
        func expected(_ g: Graph, _ stem: String) throws -> [String] {
            var context = ForwardContext()
            let pass = try g.forward(xs, context: &context)
            return try g.outputNodes.enumerated().map { k, id in
                let p = dir.appendingPathComponent("\(stem)\(k).npy").path
                try NPY.write(pass.values[id]!, to: p)
                return p
            }
        }
        func checkCase(_ onnx: String, _ want: [String]) -> [String: Any] {
            ["onnx": onnx, "inputs": inputs, "expected": want, "layout": settings.layout.rawValue, "full_check": true, "tolerance": 1e-4]
        }
        var cases = [checkCase(URL(fileURLWithPath: report.written.path).path, try expected(graph, "out"))]
        let logits = try graph.logitGraph()
        if logits !== graph {
            let path = dir.appendingPathComponent("logits.onnx").path
            _ = try ONNXFile.write(try ONNXExporter.model(of: logits, options: ExportONNX.options(settings, model: model)), to: path)
            cases.append(checkCase(path, try expected(logits, "logits")))
        }
        let manifest = dir.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: ["cases": cases]).write(to: manifest)
        let result = try TFReference.run([manifest.path], script: "onnx_check.py")
        let c = result["cases"]?.arrayValue ?? []
        let notes = c.compactMap { $0["error"]?.stringValue }
        return ONNXParityCheck(maxRelativeDifference: c.first?["max_relative"]?.doubleValue,
                               logitsMaxRelativeDifference: c.count > 1 ? c[1]["max_relative"]?.doubleValue : nil,
                               note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }
}
