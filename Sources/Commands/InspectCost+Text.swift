import Inspection

/// The text form of `inspect`'s numbers: the totals line and the cost cells of each layer row.
extension InspectCost {
    /// The totals line of the text form.
    func renderTotals() -> [String] {
        var lines = ["Compute (batch \(batch)): \(Self.scaled(macs)) MACs, \(Self.scaled(otherOps)) other ops; "
                     + "activations \(formatBytes(activationBytes)), peak live \(formatBytes(peakActivationBytes)); weights stored \(formatBytes(weightBytes))"]
        if let u = unknown {
            lines.append("  (unknown, left out: \(u.prefix(8).joined(separator: ", "))\(u.count > 8 ? ", …" : ""))")
        }
        return lines
    }

    /// The table cells of a row: MACs, output bytes, receptive field.
    func cells(_ path: String) -> [String] {
        guard let l = layers.first(where: { $0.name == path }) else { return ["", "", ""] }
        let rf = l.receptiveField.map { f in
            f.size.map(String.init).joined(separator: "×") + " /" + f.stride.map(String.init).joined(separator: "×")
        }
        return [l.macs.map(Self.scaled) ?? "?", l.activationBytes.map(formatBytes) ?? "?", rf ?? ""]
    }

    /// 15.47G, 3.9M, 812.
    static func scaled(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1e9 { return String(format: "%.2fG", d / 1e9) }
        if d >= 1e6 { return String(format: "%.2fM", d / 1e6) }
        if d >= 1e4 { return String(format: "%.1fK", d / 1e3) }
        return String(n)
    }
}
