import Foundation
import KerasIO

/// `inspect`'s text sections for the 2025–2026 Keras forms: the shards of a sharded weights manifest, and the
/// layers whose Keras dtype policy computes in something other than float32.
extension Inspect {
    static func renderShards(_ s: ShardedWeightsSummary) -> [String] {
        var lines = ["", "Shards of \(s.manifest) (metadata.total_size \(s.totalSize.map(String.init) ?? "absent") bytes):"]
        var rows: [[String]] = [["Shard", "File bytes", "Data bytes", "Variables", "Layers"]]
        for sh in s.shards {
            rows.append([sh.file, formatCount(sh.bytes), formatCount(sh.dataBytes), "\(sh.variables)", sh.layers.joined(separator: ", ")])
        }
        rows.append(["total (\(s.shards.count) shards)", formatCount(s.totalBytes), formatCount(s.totalDataBytes),
                     "\(s.shards.reduce(0) { $0 + $1.variables })", ""])
        lines += table(rows)
        if !s.spanning.isEmpty { lines.append("Layers spanning shards: \(s.spanning.joined(separator: ", "))") }
        return lines
    }

    static func renderPolicies(_ ps: [DtypePolicy]) -> [String] {
        var rows: [[String]] = [["Layer", "Dtype policy", "Variables", "Compute"]]
        for p in ps { rows.append([p.layer, p.policy, p.variableDtype, p.computeDtype]) }
        return ["", "Dtype policies (every other layer float32):"] + table(rows)
    }
}
