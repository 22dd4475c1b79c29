import Foundation
import KerasIO

extension Inspect {
    /// The TF.js section: which writer, the weight files, and how each weight is stored (quantization).
    static func renderTFJS(_ t: TFJSFacts) -> [String] {
        var lines = [""]
        lines.append("TF.js: \(t.form); format \(t.format ?? "absent"), generatedBy \(t.generatedBy ?? "absent"), convertedBy \(t.convertedBy ?? "absent")")
        let saved = t.float32Bytes - t.storedBytes
        let share = t.float32Bytes > 0 ? String(format: "%.1f%%", Double(saved) / Double(t.float32Bytes) * 100) : "0%"
        lines.append("Weight files: \(t.weightFiles.count) (\(formatBytes(t.storedBytes))); as float32 \(formatBytes(t.float32Bytes)); quantization saves \(formatBytes(max(saved, 0))) (\(share))")
        var rows: [[String]] = [["Weight", "Shape", "Dtype", "Stored as", "Bytes", "Dequantized as"]]
        for w in t.weights {
            let how: String
            switch w.quantization {
            case nil: how = "-"
            case "float16"?: how = "IEEE half → float32"
            default: how = "q × \(fmt(w.scale ?? 0)) + \(fmt(w.min ?? 0))"
            }
            rows.append([w.name, "(" + w.shape.map(String.init).joined(separator: ", ") + ")", w.dtype, w.quantization ?? w.dtype,
                         formatCount(w.bytes), how])
        }
        lines += table(rows)
        return lines
    }
}
