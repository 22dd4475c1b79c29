import Foundation
import Inspection
import KerasIO
import Zoo

/// `convscope inspect`: the options checked, an `--arch` pairing loaded, then one `ModelInspection.report` call;
/// and the report's text form.
public enum Inspect {
    /// `costOfNested`: the cost rows of nested models' layers even when the table does not list them (the page shows them).
    public static func run(path: String, arch: String?, weights: Bool, tree: Bool, expandNested: Bool, batch: Int = 1, costOfNested: Bool = false) throws -> InspectReport {
        guard batch > 0 else { throw CommandError("--batch must be positive, got \(batch)") }
        let paired = try arch.map { try ModelLoader.load(path, arch: $0) }
        return try ModelInspection.report(
            path: path, arch: arch, paired: paired.map { PairedModel(model: $0.model, file: $0.file, attachment: $0.attachment) },
            options: InspectionOptions(weights: weights, tree: tree, expandNested: expandNested, batch: batch, costOfNested: costOfNested))
    }

    /// Keras-summary-like text.
    public static func render(_ r: InspectReport) -> String {
        var lines: [String] = []
        let f = r.file
        lines.append("File: \(f.path) (\(formatBytes(f.bytes)))")
        if let e = f.generationEvidence {
            lines.append("Generation: unknown (\(e))")
        } else {
            lines.append("Generation: \(f.generation)  keras_version: \(f.kerasVersion ?? "absent")  backend: \(f.backend ?? "absent")")
        }
        lines.append("Contents: \(f.fullModel ? "full model" : "weights only")\(r.arch.map { Zoo.names.contains($0.lowercased()) ? ", paired with built-in --arch \($0)" : ", paired with the architecture in \($0)" } ?? "")")
        lines.append("Optimizer state: \(f.optimizerState ? "present (\(formatBytes(f.optimizerStateBytes)))" : "absent")")
        if let t = f.training {
            lines.append("Training config: optimizer \(t.optimizer ?? "?")\(t.learningRate.map { ", learning rate \($0)" } ?? ""), loss \(t.loss ?? "?")")
        }
        if f.kernelOrientation.hasPrefix("theano") { lines.append("Kernel orientation: \(f.kernelOrientation) (converted on read)") }
        lines.append("")
        if let m = r.model {
            let showInbound = !m.isSequential
            var rows: [[String]] = [["Layer (type)", "Output Shape", "Param #"] + (r.cost.map { ["MACs (batch \($0.batch))", "Output bytes", "Receptive field"] } ?? [])
                                    + (showInbound ? ["Connected to"] : [])]
            func add(_ l: LayerSummary, indent: String, path: String) {
                // An axis of unknown length (-1 in --json, e.g. an Embedding's sequence) prints as Keras prints it: None.
                let shapes = l.outputShapes.map { s in
                    s.map { "(None, " + $0.map { $0 < 0 ? "None" : String($0) }.joined(separator: ", ") + ")" } ?? "(unknown)"
                }
                var row = ["\(indent)\(l.name) (\(l.className))\(l.runnable ? "" : " [not runnable]")",
                           shapes.joined(separator: ", "), formatCount(l.params)] + (r.cost?.cells(path) ?? [])
                if showInbound { row.append(l.inbound.joined(separator: ", ")) }
                rows.append(row)
                for c in l.children ?? [] { add(c, indent: indent + "  ", path: path + "/" + c.name) }
            }
            for l in m.layers { add(l, indent: "", path: l.name) }
            lines.append("Model: \"\(m.name)\" (\(m.className))")
            lines += table(rows)
            // Quantized layers store fewer bytes than 4 per parameter (inspect's quantized section has them).
            let bytes = m.totalParams * 4 - (r.quantized ?? []).reduce(0) { $0 + $1.countParams * 4 - $1.storageBytes }
            lines.append("Total params: \(formatCount(m.totalParams)) (\(formatBytes(bytes)))")
            lines.append("Trainable params: \(formatCount(m.trainableParams))")
            lines.append("Non-trainable params: \(formatCount(m.nonTrainableParams))")
            lines += r.cost?.renderTotals() ?? []
        } else if r.tensorflow == nil {
            lines.append("Stored weights (no architecture in the file; pair one with --arch \(Zoo.names.joined(separator: "|"))):")
            var rows: [[String]] = [["Layer", "Weight", "Shape", "Dtype"]]
            for w in r.storedWeights { rows.append([w.layer, w.name, "(" + w.shape.map(String.init).joined(separator: ", ") + ")", w.dtype]) }
            lines += table(rows)
            lines.append("Total stored params: \(formatCount(r.storedParams)) (\(formatBytes(r.storedParams * 4)))")
        }
        if let s = r.shards { lines += renderShards(s) }
        if let ps = r.dtypePolicies { lines += renderPolicies(ps) }
        if let t = r.tfjs { lines += renderTFJS(t) }
        if let ws = r.weights {
            lines.append("")
            var rows: [[String]] = [["Weight", "Shape", "Min", "Max", "Mean", "Std", "Zeros", "NaN/Inf"]]
            for w in ws {
                rows.append(["\(w.layer)/\(w.name)", "(" + w.shape.map(String.init).joined(separator: ", ") + ")",
                             fmt(w.min), fmt(w.max), fmt(w.mean), fmt(w.std),
                             String(format: "%.1f%%", w.zeroFraction * 100), "\(w.nanCount)/\(w.infCount)"])
            }
            lines += table(rows)
        }
        lines += QuantizedLayerFacts.render(r.quantized ?? [], statistics: r.dequantizedWeights)
        if let tf = r.tensorflow { lines += renderTensorFlow(tf) }
        if let t = r.tree {
            lines.append("")
            lines.append("HDF5 objects:")
            for e in t {
                var s = "  \(e.path)  [\(e.kind)]"
                if let shape = e.shape { s += " shape (\(shape.map(String.init).joined(separator: ", "))) \(e.dtype ?? "")" }
                lines.append(s)
                for (k, v) in e.attributes.sorted(by: { $0.key < $1.key }) { lines.append("      @\(k) = \(v)") }
            }
        }
        for n in r.notes {
            lines.append(n.hasPrefix("warning: ") ? "Warning: \(n.dropFirst("warning: ".count))" : "Note: \(n)")
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ d: Double) -> String { String(format: "%.4g", d) }
}
