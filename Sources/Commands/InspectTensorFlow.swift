import Foundation
import KerasIO

/// The text part of `inspect` about TensorFlow containers: versions, signatures, assets, and every stored
/// variable as `tf.train.list_variables` lists it (key, dtype, shape, bytes), grouped by layer, optimizer apart.
extension Inspect {
    static func renderTensorFlow(_ tf: TFContainerFacts) -> [String] {
        var lines: [String] = []
        lines.append("TensorFlow \(tf.container == "savedmodel" ? "SavedModel" : "checkpoint"): variables \(tf.bundlePrefix).index + \(tf.dataFiles.count) data file\(tf.dataFiles.count == 1 ? "" : "s")")
        if tf.container == "savedmodel" {
            lines.append("TensorFlow version: \(tf.tensorflowVersion ?? "absent")  Keras metadata: \(tf.metadataSource.map { $0 == "saved_model.pb" ? "saved_model.pb (TF 2.0–2.4 layout)" : $0 } ?? "none")  root class: \(tf.rootClass ?? "none")")
            for s in tf.signatures {
                func specs(_ l: [TFContainerFacts.TensorSpec]) -> String {
                    l.map { "\($0.name) \($0.dtype) \($0.shape.map { "(" + $0.map { $0 < 0 ? "None" : String($0) }.joined(separator: ", ") + ")" } ?? "(unknown rank)")" }.joined(separator: ", ")
                }
                lines.append("Signature \(s.name) (\(s.method.isEmpty ? "no method" : s.method)): inputs \(specs(s.inputs)) → outputs \(specs(s.outputs))")
            }
            if tf.signatures.isEmpty { lines.append("Signatures: none") }
            lines.append("Assets: \(tf.assets.isEmpty ? "none" : tf.assets.joined(separator: ", "))")
        }
        for (group, title) in [("weights", "Model variables"), ("optimizer", "Optimizer state"), ("metrics", "Metric state"), ("other", "Other")] {
            let vs = tf.variables.filter { $0.group == group }
            guard !vs.isEmpty else { continue }
            lines.append("")
            lines.append("\(title) (\(vs.count), \(formatBytes(vs.reduce(0) { $0 + $1.bytes }))):")
            var rows: [[String]] = [[group == "weights" ? "Layer" : "Name", "Key", "Dtype", "Shape", "Bytes"]]
            var previous: String?
            for v in vs {
                let first = group == "weights" ? (v.kerasName.map { n in n.split(separator: "/").dropLast().joined(separator: "/") } ?? "") : (v.kerasName ?? "")
                rows.append([group == "weights" && first == previous ? "" : first, v.key, v.dtype,
                             "[" + v.shape.map(String.init).joined(separator: ", ") + "]", String(v.bytes)])
                previous = first
            }
            lines += table(rows)
        }
        return lines
    }
}
