import Foundation
import FileSupport
import Graph

/// The JSON manifest Keras 3.10+ writes with `save_weights("m.weights.json", max_shard_size=GB)`:
/// `{"metadata": {"total_size": bytes}, "weight_map": {"/layers/<key>/vars": ["m_00000.weights.h5", …]}}`.
/// A group's variables may be spread over several shards (Keras' `ShardedH5IOStore`), which it lists in order.
/// Every shard name is checked before any shard is opened: a plain file name in the manifest's own folder,
/// not a symbolic link, present, and named once per group.
struct ShardManifest {
    static let maxBytes = 64 << 20

    let path: String
    let folder: String
    /// `metadata.total_size`: element bytes of every variable, as Keras summed them.
    let totalSize: Double?
    /// Variable groups (`/layers/dense/vars`) and the shards holding them, in manifest order.
    let weightMap: [(group: String, shards: [String])]
    /// Distinct shard file names, in Keras' numbering order.
    let shardNames: [String]

    /// Whether the text of `bytes` is a sharded-weights manifest: a JSON object with a `weight_map`.
    static func looksLikeManifest(_ json: JSON) -> Bool { json["weight_map"]?.objectValue != nil }

    static func parse(_ path: String) throws -> JSON {
        try WholeFileRead.check(path, limit: maxBytes) { KerasIOError(file: path, $0) }
        guard let data = FileManager.default.contents(atPath: path) else { throw KerasIOError(file: path, "cannot be read") }
        do { return try JSONParser(maxDepth: 64, maxBytes: maxBytes).parse([UInt8](data)) } catch {
            throw KerasIOError(file: path, "unreadable JSON: \(error)")
        }
    }

    init(path: String) throws {
        self.path = path
        folder = (path as NSString).deletingLastPathComponent
        let json = try Self.parse(path)
        guard let map = json["weight_map"]?.objectValue else {
            throw KerasIOError(file: path, object: "weight_map", "missing: not a sharded weights manifest")
        }
        if let t = json["metadata"]?["total_size"] {
            guard let d = t.doubleValue, d >= 0 else { throw KerasIOError(file: path, object: "metadata.total_size", "is not a byte count") }
            totalSize = d
        } else {
            totalSize = nil
        }
        var entries: [(String, [String])] = []
        var names = Set<String>()
        for (group, value) in map.pairs {
            let list: [JSON] = value.arrayValue ?? [value]
            var shards: [String] = []
            for item in list {
                guard let name = item.stringValue else {
                    throw KerasIOError(file: path, object: "weight_map['\(group)']", "lists something other than a shard file name")
                }
                try Self.checkName(name, manifest: path)
                guard !shards.contains(name) else {
                    throw KerasIOError(file: path, object: "shard '\(name)'", "is named twice for '\(group)'; refusing the manifest")
                }
                shards.append(name)
                names.insert(name)
            }
            entries.append((group, shards))
        }
        weightMap = entries
        shardNames = names.sorted()
        for name in shardNames { try checkFile(name) }
    }

    /// A shard is a plain file name: no folder part, so nothing outside the manifest's folder.
    static func checkName(_ name: String, manifest: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\\") || name.utf8.contains(0) {
            throw KerasIOError(file: manifest, object: "shard '\(name)'",
                               "path leaves the manifest's folder (absolute, '..' or a subfolder); refusing the manifest")
        }
    }

    func shardPath(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// Present, a regular file, not a symbolic link (which could point anywhere).
    func checkFile(_ name: String) throws {
        let p = shardPath(name)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: p) else {
            throw KerasIOError(file: path, object: "shard '\(name)'", "is missing (expected at \(p))")
        }
        switch attrs[.type] as? FileAttributeType {
        case .typeSymbolicLink?:
            throw KerasIOError(file: path, object: "shard '\(name)'", "is a symbolic link; links may leave the manifest's folder, refusing it")
        case .typeRegular?: break
        default:
            throw KerasIOError(file: path, object: "shard '\(name)'", "is not a regular file")
        }
    }

    /// The shards the manifest places `group` (`/layers/dense/vars`) in.
    func shards(of group: String) -> [String] { weightMap.first { $0.group == group }?.shards ?? [] }
}
