import FileSupport
import Foundation
import Graph
import HDF5

extension KerasWriter {
    /// Keras' default `max_shard_size` (5 GB, in Keras' 1024³ bytes).
    public static let defaultMaxShardBytes = 5 << 30

    /// Sharded Keras 3 weights as `model.save_weights("m.weights.json", max_shard_size=…)` writes them: shards
    /// `m_00000.weights.h5`, `m_00001.weights.h5`, … filled in Keras' order, a new shard whenever the next
    /// variable would take the current one over `maxShardBytes` (so one layer may span shards), and the manifest
    /// `{"metadata": {"total_size"}, "weight_map": {"/layers/<key>/vars": [shards]}}` written last. Every shard goes
    /// through a temporary file and a rename; on a failure the shards already written by this call are removed.
    public func writeSharded(to manifest: String, maxShardBytes: Int) throws -> KerasWriteSummary {
        let name = (manifest as NSString).lastPathComponent
        guard name.hasSuffix(".weights.json") else {
            throw KerasIOError(file: manifest, "Keras loads sharded weights only from a manifest named *.weights.json; name --out so", kind: .unloadableName)
        }
        guard maxShardBytes > 0 else { throw KerasIOError(file: manifest, "--max-shard-size must be positive") }
        let plan = Keras3WeightsPlan(model: model, dtypes: storedDtypes)
        // Keras' own rule (`ShardedH5IOStore`): the manifest's stem with every ".weights" removed.
        let base = String(name.dropLast(".json".count)).replacingOccurrences(of: ".weights", with: "")
        let folder = (manifest as NSString).deletingLastPathComponent
        // Which variables go to which shard, decided before anything is written.
        var shards: [[(group: Int, variable: Int?)]] = [[]]
        var current = 0
        var total = 0
        for (gi, g) in plan.groups.enumerated() {
            if g.variables.isEmpty { shards[shards.count - 1].append((gi, nil)); continue }
            for (vi, v) in g.variables.enumerated() {
                guard v.bytes <= maxShardBytes else {
                    throw KerasIOError(file: manifest, object: "/" + g.path + "/" + String(v.index),
                                       "holds \(v.bytes) bytes, over --max-shard-size \(maxShardBytes); Keras refuses the same")
                }
                if current + v.bytes > maxShardBytes && current > 0 {
                    shards.append([])
                    current = 0
                }
                shards[shards.count - 1].append((gi, vi))
                current += v.bytes
                total += v.bytes
            }
        }
        let names = shards.indices.map { base + "_" + String(format: "%05d", $0) + ".weights.h5" }
        var weightMap = JSONObject()
        var written: [String] = []
        var count = 0, params = 0
        do {
            for (i, items) in shards.enumerated() {
                let path = (folder as NSString).appendingPathComponent(names[i])
                try AtomicFile.write(to: URL(fileURLWithPath: path)) { temp in
                    let f = try H5File.create(temp)
                    defer { f.close() }
                    let root = try f.root
                    for (gi, vi) in items {
                        let g = plan.groups[gi]
                        let target = try Keras3WeightsPlan.ensure(g, in: root)
                        guard let vi else { continue }
                        try Keras3WeightsPlan.write(g.variables[vi], into: target)
                        count += 1
                        params += g.variables[vi].value.count
                        let key = "/" + g.path
                        var list = weightMap[key]?.arrayValue ?? []
                        if !list.contains(.string(names[i])) { list.append(.string(names[i])) }
                        weightMap[key] = .array(list)
                    }
                    try f.flush()
                }
                written.append(path)
            }
            let json: JSON = ["metadata": ["total_size": .number(Double(total))], "weight_map": .object(weightMap)]
            try AtomicFile.write(data: Data(json.serialized().utf8), to: URL(fileURLWithPath: manifest))
        } catch {
            for p in written { try? FileManager.default.removeItem(atPath: p) }
            if let e = error as? AtomicFile.WriteError { throw KerasIOError(file: manifest, e.message) }
            throw H5Reading.convert(error, file: manifest)
        }
        let bytes = ([manifest] + written).reduce(0) { $0 + WholeFileRead.size(of: $1) }
        return KerasWriteSummary(format: .keras3ShardedWeights, generation: .keras3Weights, kerasVersion: nil, backend: nil,
                                 fullModel: false, config: "none", layerCount: model.layers.count, weightCount: count,
                                 parameterCount: params, bytes: bytes, shards: names)
    }
}
