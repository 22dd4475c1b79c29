import Foundation

/// 1,234,567 style.
public func formatCount(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}

public func formatBytes(_ n: Int) -> String {
    let d = Double(n)
    if d >= 1e9 { return String(format: "%.2f GB", d / 1e9) }
    if d >= 1e6 { return String(format: "%.1f MB", d / 1e6) }
    if d >= 1e3 { return String(format: "%.1f KB", d / 1e3) }
    return "\(n) B"
}

/// Left-aligned text table with a rule under the header.
func table(_ rows: [[String]]) -> [String] {
    guard let header = rows.first else { return [] }
    var widths = [Int](repeating: 0, count: header.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ r: [String]) -> String {
        r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) }.joined()
    }
    let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
    return [rule, line(header), rule] + rows.dropFirst().map(line) + [rule]
}
