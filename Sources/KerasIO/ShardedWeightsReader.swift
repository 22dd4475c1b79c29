import FileSupport
import Foundation
import Graph
import HDF5
import Tensor

/// What a sharded weights manifest and its shards hold (`inspect` shows it).
public struct ShardedWeightsSummary: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        /// File name, in the manifest's folder.
        public var file: String
        /// Length of the file.
        public var bytes: Int
        /// Element bytes of the variables it holds (what Keras counts against `max_shard_size`).
        public var dataBytes: Int
        public var variables: Int
        /// Stored layers with variables in this shard, in stored order.
        public var layers: [String]
    }
    public var manifest: String
    /// `metadata.total_size` as the manifest states it.
    public var totalSize: Int?
    public var shards: [Shard]
    /// Sum of the shard files' lengths.
    public var totalBytes: Int
    /// Sum of the element bytes of every variable (equals `totalSize`: checked when reading).
    public var totalDataBytes: Int
    /// Layers whose variables are spread over more than one shard.
    public var spanning: [String]
}

/// Reads `*.weights.json` + `*_NNNNN.weights.h5`: every shard in the Keras 3 weights layout, merged into the
/// one list of stored layers a single `.weights.h5` would give. Each shard must hold exactly the variable
/// groups the manifest places in it (a shard of another model is refused), and the element bytes must add
/// up to the manifest's `total_size`.
enum ShardedWeightsReader {
    /// One opened shard: its file, root, and the stored layers it contributes.
    struct Opened {
        let name: String
        let file: H5File
        let root: H5Group
        let layers: [StoredLayer]
        let dataBytes: Int
        let variables: Int
    }

    static func openShards(_ manifest: ShardManifest) throws -> [Opened] {
        var out: [Opened] = []
        do {
            for name in manifest.shardNames {
                let label = manifest.shardPath(name)
                let (file, root) = try HDF5ModelReader.openFile(.path(label), label: label)
                out.append(Opened(name: name, file: file, root: root, layers: [], dataBytes: 0, variables: 0))
                let layers = try Keras3WeightsReader.read(root: root, file: label).map { tagged($0, shard: name) }
                var bytes = 0, count = 0
                for w in StoredWeights(layers: layers).weights {
                    let group = "/" + (w.path as NSString).deletingLastPathComponent
                    guard manifest.shards(of: group).contains(name) else {
                        throw KerasIOError(file: manifest.path, object: "shard '\(name)'",
                                           "holds '\(group)', which the manifest does not place in it (a shard of another model?); refusing it")
                    }
                    let d = try H5Reading.guarded(label, w.path) { try root.dataset(w.path) }
                    bytes += d.declaredByteCount ?? 0
                    count += 1
                }
                out[out.count - 1] = Opened(name: name, file: file, root: root, layers: layers, dataBytes: bytes, variables: count)
            }
        } catch {
            for o in out { o.file.close() }
            throw error
        }
        return out
    }

    static func tagged(_ l: StoredLayer, shard: String) -> StoredLayer {
        var l = l
        l.weights = l.weights.map { var w = $0; w.shard = shard; return w }
        l.children = l.children?.map { tagged($0, shard: shard) }
        return l
    }

    /// Every group the manifest names must be found in each shard it lists; the byte total must match.
    static func checkAgainstManifest(_ manifest: ShardManifest, _ shards: [Opened]) throws {
        var held: [String: Set<String>] = [:]
        for s in shards {
            for w in StoredWeights(layers: s.layers).weights {
                held[s.name, default: []].insert("/" + (w.path as NSString).deletingLastPathComponent)
            }
        }
        for (group, names) in manifest.weightMap {
            for n in names where !(held[n]?.contains(group) ?? false) {
                throw KerasIOError(file: manifest.path, object: "shard '\(n)'",
                                   "holds no variables of '\(group)', which the manifest places in it; refusing the manifest")
            }
        }
        let total = shards.reduce(0) { $0 + $1.dataBytes }
        if let stated = manifest.totalSize, Int(stated.rounded()) != total {
            let per = shards.map { "\($0.name): \($0.dataBytes)" }.joined(separator: ", ")
            throw KerasIOError(file: manifest.path, object: "metadata.total_size",
                               "states \(Int(stated.rounded())) bytes but the shards hold \(total) (\(per)); refusing the manifest")
        }
    }

    /// Layers merged across shards by group key; a layer's variables keep Keras' write order (shard order).
    static func merge(_ lists: [[StoredLayer]], prefix: String = "") -> [StoredLayer] {
        var order: [String] = []
        var byKey: [String: [StoredLayer]] = [:]
        for list in lists {
            for l in list {
                if byKey[l.key] == nil { order.append(l.key) }
                byKey[l.key, default: []].append(l)
            }
        }
        let sortedKeys = Keras3WeightsReader.naturalSorted(order)
        return sortedKeys.map { key in
            let parts = byKey[key]!
            // Keras writes the `name` attribute only where the group was made; later shards lack it.
            let name = parts.first { $0.name != key }?.name ?? key
            let weights = parts.flatMap(\.weights).map { var w = $0; w.layer = prefix + name; return w }
            let kids = parts.compactMap(\.children)
            return StoredLayer(name: name, key: key, weights: weights,
                               children: kids.isEmpty ? nil : merge(kids, prefix: prefix + name + "/"))
        }
    }

    static func summary(_ manifest: ShardManifest, _ shards: [Opened], merged: [StoredLayer]) -> ShardedWeightsSummary {
        let all = StoredWeights(layers: merged).weights
        var shardsOf: [String: Set<String>] = [:]
        var order: [String] = []
        for w in all {
            if shardsOf[w.layer] == nil { order.append(w.layer) }
            shardsOf[w.layer, default: []].insert(w.shard ?? "")
        }
        let spanning = order.filter { shardsOf[$0]!.count > 1 }
        let list = shards.map { s in
            ShardedWeightsSummary.Shard(
                file: s.name, bytes: WholeFileRead.size(of: manifest.shardPath(s.name)), dataBytes: s.dataBytes,
                variables: s.variables,
                layers: all.filter { $0.shard == s.name }.map(\.layer).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        }
        return ShardedWeightsSummary(manifest: manifest.path, totalSize: manifest.totalSize.map { Int($0.rounded()) },
                                     shards: list, totalBytes: list.reduce(0) { $0 + $1.bytes },
                                     totalDataBytes: list.reduce(0) { $0 + $1.dataBytes }, spanning: spanning)
    }

    /// Opens every shard, checks it against the manifest, and runs `body` with the merged layers and a reader.
    static func withShards<T>(_ path: String,
                              _ body: (ShardManifest, [Opened], [StoredLayer], @escaping (StoredWeight) throws -> [Float]) throws -> T) throws -> T {
        let manifest = try ShardManifest(path: path)
        let shards = try openShards(manifest)
        defer { for s in shards { s.file.close() } }
        try checkAgainstManifest(manifest, shards)
        let merged = merge(shards.map(\.layers))
        let read: (StoredWeight) throws -> [Float] = { w in
            guard let s = shards.first(where: { $0.name == w.shard }) else {
                throw KerasIOError(file: path, object: w.path, "belongs to no shard")
            }
            return try H5Reading.readFloats(s.root, path: w.path, file: manifest.shardPath(s.name))
        }
        return try body(manifest, shards, merged, read)
    }

    static func open(_ path: String, loadValues: Bool) throws -> KerasModelFile {
        try withShards(path) { manifest, shards, merged, _ in
            var file = KerasModelFile(path: path, generation: .keras3Weights, kerasVersion: nil, backend: nil, isFullModel: false,
                                      hasOptimizerState: false, optimizerStateBytes: 0, training: nil,
                                      kernelOrientation: .tensorflow, model: nil, storedWeights: StoredWeights(layers: merged),
                                      attachment: nil, notes: [], archiveEntries: nil, storedLayers: merged)
            file.shards = summary(manifest, shards, merged: merged)
            return file
        }
    }

    static func attach(_ path: String, entries: [ModelEntry]) throws -> WeightAttachment {
        try withShards(path) { _, _, merged, read in
            try WeightMemory.check(merged, file: path)
            var att = WeightAttacher(file: path, read: read)
            try att.attachKeras3(merged, to: entries)
            return att.report
        }
    }
}
