import Inspection
import KerasIO

extension QuantizedLayerFacts {
    /// The text section of `inspect`.
    static func render(_ facts: [QuantizedLayerFacts], statistics: [WeightStatistics]?) -> [String] {
        guard !facts.isEmpty else { return [] }
        var rows = [["Layer", "Policy", "Variable", "Shape", "Stored", "Bits", "Bytes"]]
        for f in facts {
            for (i, v) in f.variables.enumerated() {
                rows.append([i == 0 ? "\(f.layer) (\(f.className))" : "", i == 0 ? f.policy : "", v.name,
                             "(" + v.shape.map(String.init).joined(separator: ", ") + ")", v.dtype, String(v.bits), formatCount(v.bytes)])
            }
        }
        var lines = ["", "Quantized layers (Keras count_params, storage against float32):"]
        lines += table(rows)
        for f in facts {
            lines.append("  \(f.layer): \(formatCount(f.countParams)) params, \(formatBytes(f.storageBytes)) stored, \(formatBytes(f.float32Bytes)) as float32")
        }
        if let statistics, !statistics.isEmpty {
            lines.append("")
            lines.append("Dequantized values:")
            var s = [["Weight", "Shape", "Min", "Max", "Mean", "Std", "Zeros"]]
            for w in statistics {
                s.append(["\(w.layer)/\(w.name)", "(" + w.shape.map(String.init).joined(separator: ", ") + ")",
                          Inspect.fmt(w.min), Inspect.fmt(w.max), Inspect.fmt(w.mean), Inspect.fmt(w.std),
                          String(format: "%.1f%%", w.zeroFraction * 100)])
            }
            lines += table(s)
        }
        return lines
    }
}
