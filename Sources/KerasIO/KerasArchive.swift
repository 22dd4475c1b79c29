import Foundation
import MemoryLimit
import ZIPFoundation

/// A `.keras` zip, read from its file. Every entry is checked before anything is extracted:
/// no `..` or absolute paths, no symlinks, declared sizes under a cap; reads stop at the cap too.
struct KerasArchive {
    /// Above any real entry (zip without zip64 stops at 4 GiB): refuses bomb headers when the archive is
    /// opened. An entry is also checked against the memory limit when it is read, since it is read whole.
    static let maxEntryBytes = 4 << 30
    static let maxTextBytes = 64 << 20
    static let maxEntries = 10_000

    let file: String
    let archive: Archive
    /// Entries by path, all checked.
    let entries: [String: Entry]
    let entryNames: [String]

    /// Opens the zip at `file`. (Not `Archive(data:)`: ZIPFoundation's in-memory reader traps on
    /// offsets past the end of the data, which hostile central directories produce; see
    /// Tests/Resources/regressions/keras-zip-offset-past-end.keras.)
    init(file: String) throws {
        self.file = file
        do { archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read) } catch {
            throw KerasIOError(file: file, "not a readable zip archive (\(error))")
        }
        var map: [String: Entry] = [:]
        var names: [String] = []
        for entry in archive {
            guard names.count < Self.maxEntries else { throw KerasIOError(file: file, "more than \(Self.maxEntries) zip entries") }
            let p = entry.path
            names.append(p)
            let comps = p.split(whereSeparator: { $0 == "/" || $0 == "\\" })
            if p.hasPrefix("/") || p.hasPrefix("\\") || p.contains(":") || comps.contains("..") || p.utf8.contains(0) {
                throw KerasIOError(file: file, object: "zip entry '\(p)'", "path escapes the archive (absolute or '..'); refusing the archive")
            }
            switch entry.type {
            case .symlink:
                throw KerasIOError(file: file, object: "zip entry '\(p)'", "is a symbolic link; refusing the archive")
            case .directory: continue
            case .file: break
            }
            guard entry.uncompressedSize <= UInt64(Self.maxEntryBytes) else {
                throw KerasIOError(file: file, object: "zip entry '\(p)'",
                                   "declares \(entry.uncompressedSize) bytes uncompressed (\(entry.compressedSize) stored), over the \(Self.maxEntryBytes)-byte limit; refusing a potential decompression bomb")
            }
            guard map[p] == nil else { throw KerasIOError(file: file, object: "zip entry '\(p)'", "appears twice") }
            map[p] = entry
        }
        entries = map
        entryNames = names
    }

    /// The bytes of an entry, never more than its declared size; refused before extracting when that size
    /// is over `limit` (a cap for the entry's kind) or `memoryLimit`.
    func read(_ name: String, limit: Int = KerasArchive.maxEntryBytes, memoryLimit: Int = MemoryLimit.bytes) throws -> Data? {
        guard let entry = entries[name] else { return nil }
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw KerasIOError(file: file, object: "zip entry '\(name)'", "declares \(entry.uncompressedSize) bytes, over the \(limit)-byte limit")
        }
        let cap = Int(clamping: entry.uncompressedSize)
        if let refusal = MemoryLimit.refusal("zip entry '\(name)'", declares: cap,
                                             detail: "uncompressed, \(entry.compressedSize) stored", limit: memoryLimit) {
            throw KerasIOError(file: file, refusal)
        }
        var out = Data()
        out.reserveCapacity(min(cap, 64 << 20))
        struct TooBig: Error {}
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard out.count + chunk.count <= cap else { throw TooBig() }
                out.append(chunk)
            }
        } catch is TooBig {
            throw KerasIOError(file: file, object: "zip entry '\(name)'", "inflates past its declared \(cap) bytes; refusing")
        } catch {
            throw KerasIOError(file: file, object: "zip entry '\(name)'", "cannot be read (\(error))")
        }
        return out
    }
}
