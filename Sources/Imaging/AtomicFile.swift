import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let posixWrite = Glibc.write
#else
private let posixWrite = Darwin.write
#endif

/// Writes files so readers never see a partial file: temp file in the same
/// folder, fsync, then rename over the destination.
public enum AtomicFile {
    /// A one-line failure naming the destination.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Atomically replaces (or creates) `url` with `data`.
    public static func write(data: Data, to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        func fail(_ what: String) -> WriteError {
            WriteError(path: path, message: "\(what): \(String(cString: strerror(errno)))")
        }
        // mkstemp keeps the temp name unique; same folder so rename stays atomic.
        var template = Array("\(folder)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw fail("cannot create temporary file") }
        let tempPath = String(cString: template)
        var done = false
        defer {
            if !done { unlink(tempPath) }
        }
        // mkstemp creates 0600; give the file the usual permissions (umask applies).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        var offset = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard ok else { let e = fail("write failed"); close(fd); throw e }
        guard fsync(fd) == 0 else { let e = fail("fsync failed"); close(fd); throw e }
        guard close(fd) == 0 else { throw fail("close failed") }
        guard rename(tempPath, path) == 0 else { throw fail("rename failed") }
        done = true
        // Persist the rename itself; failure here does not undo the write.
        let dirFD = open(folder, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Atomically replaces (or creates) `url` with a file that `produce` writes at the temporary path it is
    /// given (in the same folder), for writers that need a path rather than bytes (HDF5). The temp file is
    /// fsynced, then renamed over `url`; on any error it is removed and `url` is left as it was.
    public static func write(to url: URL, producing produce: (String) throws -> Void) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        func fail(_ what: String) -> WriteError {
            WriteError(path: path, message: "\(what): \(String(cString: strerror(errno)))")
        }
        var template = Array("\(folder)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw fail("cannot create temporary file") }
        let tempPath = String(cString: template)
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        close(fd)
        var done = false
        defer {
            if !done { unlink(tempPath) }
        }
        try produce(tempPath)
        let syncFD = open(tempPath, O_RDONLY)
        guard syncFD >= 0 else { throw fail("cannot reopen temporary file") }
        guard fsync(syncFD) == 0 else { let e = fail("fsync failed"); close(syncFD); throw e }
        close(syncFD)
        guard rename(tempPath, path) == 0 else { throw fail("rename failed") }
        done = true
        let dirFD = open(folder, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}
