import Foundation
import MemoryLimit

/// Readers that load a file whole refuse it first when its length alone is over the memory limit.
public enum WholeFileRead {
    /// The file's length in bytes; 0 when it cannot be read (the read that follows reports why).
    /// One `lstat`, as `FileManager.attributesOfItem` does, without the owner and group look-ups it adds
    /// (each reads /etc/passwd and /etc/group).
    public static func size(of path: String) -> Int {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Throws `refused(reason)` when the file at `path` is longer than `limit` bytes; the reader
    /// chooses its own error type for the one-line reason.
    public static func check(_ path: String, limit: Int, refused: (String) -> Error) throws {
        if let refusal = MemoryLimit.refusal("file", declares: size(of: path), verb: "is", limit: limit) {
            throw refused(refusal)
        }
    }
}
