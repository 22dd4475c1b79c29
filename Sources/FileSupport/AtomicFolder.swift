import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a folder of files (a TF.js model) so readers never see a partial one: every file goes into a
/// temporary folder `.NAME.tmp-XXXXXX` beside the destination, is fsynced, and the folder is renamed into
/// place. An existing destination is replaced only when `replaceable` accepts it (moved aside, then removed).
public enum AtomicFolder {
    /// Creates `url` holding `files` (name → bytes; names are plain file names).
    public static func write(_ files: [(String, Data)], to url: URL, replaceable: (URL) -> Bool) throws {
        let dest = url.standardizedFileURL
        let parent = dest.deletingLastPathComponent().path
        func failure(_ what: String) -> AtomicFile.WriteError {
            AtomicFile.WriteError(path: dest.path, message: "\(what): \(String(cString: strerror(errno)))")
        }
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: dest.path, isDirectory: &isDir)
        if exists && !(isDir.boolValue && replaceable(dest)) {
            throw AtomicFile.WriteError(path: dest.path, message: isDir.boolValue
                ? "exists and is not a folder this export wrote (no model.json); refusing to replace it"
                : "exists and is a file; a TF.js model is a folder")
        }
        var template = Array("\(parent)/.\(dest.lastPathComponent)\(AtomicFile.temporaryMarker)XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw failure("cannot create a temporary folder in \(parent)")
        }
        let temp = String(cString: template)
        var done = false
        defer { if !done { try? FileManager.default.removeItem(atPath: temp) } }
        let mask = umask(0)
        umask(mask)
        chmod(temp, 0o777 & ~mask)
        for (name, data) in files {
            precondition(!name.contains("/") && name != "." && name != "..", "AtomicFolder: '\(name)' is not a plain file name")
            try AtomicFile.write(data: data, to: URL(fileURLWithPath: temp).appendingPathComponent(name))
        }
        var aside: String?
        if exists {
            var t = Array("\(parent)/.\(dest.lastPathComponent).old-XXXXXX".utf8CString)
            guard t.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { throw failure("cannot move the old folder aside") }
            let old = String(cString: t)
            guard rename(dest.path, old) == 0 else { rmdir(old); throw failure("cannot move the old folder aside") }
            aside = old
        }
        guard rename(temp, dest.path) == 0 else {
            let err = failure("rename failed")
            if let aside { rename(aside, dest.path) }
            throw err
        }
        done = true
        if let aside { try? FileManager.default.removeItem(atPath: aside) }
        let fd = open(parent, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
