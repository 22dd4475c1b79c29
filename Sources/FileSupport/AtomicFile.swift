import Failure
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let posixWrite = Glibc.write
private let posixClose = Glibc.close
#else
private let posixWrite = Darwin.write
private let posixClose = Darwin.close
#endif

/// Writes files so readers never see a partial file: temp file in the same
/// folder, fsync, then rename over the destination, then fsync the folder.
/// Every file ConvScope writes goes through here.
public enum AtomicFile {
    /// A one-line failure naming the destination.
    public struct WriteError: ConvScopeFailure, Sendable {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Temporary files are named `.NAME.tmp-XXXXXX` beside their target `NAME`; one left behind means the
    /// writer was killed before it could rename or remove it.
    public static let temporaryMarker = ".tmp-"

    /// Whether `name` (a file name, not a path) is one of this type's temporary files.
    public static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(temporaryMarker)
    }

    /// Atomically replaces (or creates) `url` with `data`.
    public static func write(data: Data, to url: URL) throws {
        try replace(url) { temporary in
            try temporary.write(data)
            try temporary.closeDescriptor()
        }
    }

    /// Atomically replaces (or creates) `url` with a file that `produce` writes at the temporary path it is
    /// given (in the same folder), for writers that need a path rather than bytes (HDF5). The temp file is
    /// fsynced, then renamed over `url`; on any error it is removed and `url` is left as it was.
    public static func write(to url: URL, producing produce: (String) throws -> Void) throws {
        try replace(url) { temporary in
            try temporary.closeDescriptor()
            try produce(temporary.path)
        }
    }

    /// Writes several files that belong together (an ONNX model and its external data): every one is
    /// produced at a temporary path and fsynced before any is renamed; then they are renamed in the order
    /// given (put the file that refers to the others last, so a reader never sees it before them). On any
    /// error before the renames, no destination is touched and every temporary file is removed.
    public static func writeAll(_ files: [(url: URL, produce: (String) throws -> Void)]) throws {
        var temporaries: [Temporary] = []
        var renamed = 0
        defer {
            for (i, t) in temporaries.enumerated() {
                t.closeQuietly()
                if i >= renamed { unlink(t.path) }
            }
        }
        for f in files {
            let t = try Temporary(beside: f.url)
            temporaries.append(t)
            try t.closeDescriptor()
            try f.produce(t.path)
            try t.sync()
        }
        for (t, f) in zip(temporaries, files) {
            guard rename(t.path, f.url.path) == 0 else { throw t.failure("rename failed") }
            renamed += 1
        }
        let folderFD = open(files[files.count - 1].url.deletingLastPathComponent().path, O_RDONLY)
        if folderFD >= 0 {
            fsync(folderFD)
            posixClose(folderFD)
        }
    }

    /// The one sequence both writers share: create the temporary file, let `fill` write it, fsync it,
    /// rename it over `url`, fsync the folder. The temporary file is removed on any error.
    private static func replace(_ url: URL, fill: (Temporary) throws -> Void) throws {
        let temporary = try Temporary(beside: url)
        var renamed = false
        defer {
            temporary.closeQuietly()
            if !renamed { unlink(temporary.path) }
        }
        try fill(temporary)
        try temporary.sync()
        guard rename(temporary.path, url.path) == 0 else { throw temporary.failure("rename failed") }
        renamed = true
        // Persist the rename itself; failure here does not undo the write.
        let folderFD = open(url.deletingLastPathComponent().path, O_RDONLY)
        if folderFD >= 0 {
            fsync(folderFD)
            posixClose(folderFD)
        }
    }

    /// A temporary file beside the destination, created with mkstemp (unique name, same folder so the
    /// rename is atomic) and given the permissions a new file would get.
    private final class Temporary {
        let destination: String
        let path: String
        private var fd: Int32

        init(beside url: URL) throws {
            destination = url.path
            let folder = url.deletingLastPathComponent().path
            var template = Array("\(folder)/.\(url.lastPathComponent)\(AtomicFile.temporaryMarker)XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            path = String(cString: template)
            guard fd >= 0 else { throw failure("cannot create temporary file") }
            // mkstemp creates 0600; umask applies as for any new file.
            let mask = umask(0)
            umask(mask)
            fchmod(fd, 0o666 & ~mask)
        }

        func failure(_ what: String) -> WriteError {
            WriteError(path: destination, message: "\(what): \(String(cString: strerror(errno)))")
        }

        func write(_ data: Data) throws {
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
            guard ok else { throw failure("write failed") }
        }

        func closeDescriptor() throws {
            guard fd >= 0 else { return }
            let result = posixClose(fd)
            fd = -1
            guard result == 0 else { throw failure("close failed") }
        }

        func closeQuietly() {
            if fd >= 0 { posixClose(fd); fd = -1 }
        }

        /// fsyncs whatever is at the temporary path now (a producer may have written it through its own descriptor).
        func sync() throws {
            let syncFD = open(path, O_RDONLY)
            guard syncFD >= 0 else { throw failure("cannot reopen temporary file") }
            defer { posixClose(syncFD) }
            guard fsync(syncFD) == 0 else { throw failure("fsync failed") }
        }
    }
}
