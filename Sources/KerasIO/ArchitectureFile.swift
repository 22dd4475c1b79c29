import Foundation
import Graph

/// An architecture read from a file for `--arch PATH` / `--weights`: a model JSON (`model.to_json()`, Keras 2
/// or 3), a `.keras` archive's `config.json`, a `.keras` (zip or unzipped folder) or a full-model `.h5`.
/// Its weights are left as built (zeros); the paired weights file fills them.
public struct ArchitectureFile {
    public let path: String
    public let model: KerasModel
    /// Who wrote the architecture: Keras 3 (`module` keys, no `keras_version`) or the Keras that stamped it.
    public let generation: KerasGeneration
    public let kerasVersion: String?

    public init(path: String) throws {
        self.path = path
        if try KerasFile.sniffsAsJSON(path) {
            let json = try ShardManifest.parse(path)
            if ShardManifest.looksLikeManifest(json) {
                throw KerasIOError(file: path, "is a sharded weights manifest, not an architecture; pass it as the weights file", kind: .unsupported)
            }
            // `config.json` / Keras 3 `to_json()` carry no keras_version; Keras 2 and tf.keras `to_json()` do.
            let version = json["keras_version"]?.stringValue
            let backend = json["backend"]?.stringValue
            let gen: KerasGeneration = version.map { KerasFile.legacyGeneration(version: $0, backend: backend, sampleWeightName: nil) } ?? .keras3Keras
            let parser = ModelConfigParser(file: path, isKeras1: gen == .keras1, dialect: gen.activationDialect)
            model = try parser.parse(json: json, object: "model JSON")
            generation = gen
            kerasVersion = version
            return
        }
        let file = try KerasFile.open(path, loadValues: false)
        guard let m = file.model else {
            throw KerasIOError(file: path, "holds weights only (\(file.generation.rawValue)), not an architecture", kind: .unsupported)
        }
        model = m
        generation = file.generation
        kerasVersion = file.kerasVersion
    }
}

extension KerasFile {
    /// Whether the file (not a folder) starts, after white space, with `{`.
    public static func sniffsAsJSON(_ path: String) throws -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw KerasIOError(file: path, "no such file") }
        guard !isDir.boolValue, let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 64)) ?? Data()
        return head.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
    }

    /// The weights of `path` onto an architecture read from a file, by Keras' own `load_weights` rules:
    /// legacy h5 by position over the layers that have weights (names first where they agree), Keras 3
    /// layouts by path. Every layer must receive its weights and every stored weight must find its layer;
    /// a shape mismatch names the layer and both shapes.
    public static func pair(weightsFile path: String, architecture arch: ArchitectureFile) throws -> WeightAttachment {
        let a = try attach(weightsFile: path, entries: arch.model.layers, legacyByName: false)
        if let m = a.missing.first {
            throw KerasIOError(file: path, "does not fit --arch \(arch.path): no stored weights for \(m)\(a.missing.count > 1 ? " (and \(a.missing.count - 1) more)" : "")", kind: .architectureMismatch)
        }
        if let u = a.unusedStored.first {
            throw KerasIOError(file: path, "does not fit --arch \(arch.path): stored weights of \(u) have no place in the architecture\(a.unusedStored.count > 1 ? " (and \(a.unusedStored.count - 1) more)" : "")", kind: .architectureMismatch)
        }
        return a
    }
}
