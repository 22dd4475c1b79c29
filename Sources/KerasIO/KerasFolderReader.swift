import FileSupport
import Foundation
import Graph

/// An unzipped `.keras` (`keras.saving.save_model(model, "dir", zipped=False)`): `config.json`,
/// `metadata.json` and `model.weights.h5` in one folder, read like the zip. Each member must be a regular
/// file in the folder itself (no symbolic links).
enum KerasFolderReader {
    /// Members Keras reads from the folder, in the order it writes them.
    static let members = ["metadata.json", "config.json", "model.weights.h5"]

    static func member(_ folder: String, _ name: String, required: Bool) throws -> String? {
        let p = (folder as NSString).appendingPathComponent(name)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: p) else {
            if required { throw KerasIOError(file: folder, object: name, "missing from the folder") }
            return nil
        }
        switch attrs[.type] as? FileAttributeType {
        case .typeSymbolicLink?: throw KerasIOError(file: folder, object: name, "is a symbolic link; refusing the folder")
        case .typeRegular?: return p
        default: throw KerasIOError(file: folder, object: name, "is not a regular file")
        }
    }

    static func text(_ folder: String, _ name: String, required: Bool) throws -> JSON? {
        guard let p = try member(folder, name, required: required) else { return nil }
        try WholeFileRead.check(p, limit: KerasArchive.maxTextBytes) { KerasIOError(file: folder, object: name, $0) }
        guard let data = FileManager.default.contents(atPath: p) else { throw KerasIOError(file: folder, object: name, "cannot be read") }
        return try HDF5ModelReader.parseJSON(String(decoding: data, as: UTF8.self), label: folder, object: name)
    }

    /// `model.weights.h5`; the `.npz` variant is refused with the reason (see `KerasNPZ`).
    static func weightsPath(_ folder: String) throws -> String {
        if let p = try member(folder, "model.weights.h5", required: false) {
            // `save_model(..., zipped=False, weights_format="npz")` writes npz bytes under this name.
            let head = FileHandle(forReadingAtPath: p).flatMap { h in defer { try? h.close() }; return try? h.read(upToCount: 4) }
            if let head, head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                throw KerasNPZ.refusal(file: folder, member: "model.weights.h5 (npz bytes under the .h5 name)")
            }
            return p
        }
        if try member(folder, "model.weights.npz", required: false) != nil {
            throw KerasNPZ.refusal(file: folder, member: "model.weights.npz")
        }
        throw KerasIOError(file: folder, object: "model.weights.h5", "missing from the folder")
    }

    static func open(_ folder: String, loadValues: Bool) throws -> KerasModelFile {
        let cfg = try text(folder, "config.json", required: true)!
        let version = try text(folder, "metadata.json", required: false)?["keras_version"]?.stringValue
        let weights = try weightsPath(folder)
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        var file = try HDF5ModelReader.open(.path(weights), loadValues: loadValues, label: folder + ":model.weights.h5",
                                            keras3Config: cfg, archive: (version, entries, cfg["compile_config"]))
        file.notes.append("unzipped .keras folder (save_model(..., zipped=False))")
        return file
    }

    static func attach(_ folder: String, entries: [ModelEntry]) throws -> WeightAttachment {
        try HDF5ModelReader.attach(.path(try weightsPath(folder)), entries: entries, label: folder + ":model.weights.h5")
    }
}
