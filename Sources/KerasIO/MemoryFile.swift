import Foundation

/// Hands the bytes of `model.weights.h5` (from inside a `.keras` zip) to the HDF5 library.
///
/// libhdf5 opens files by name only, and the HDF5 target has no file-image open yet: a Linux memfd
/// does not work (HDF5 resolves `/proc/self/fd/N` with realpath and fails). So the bytes go to a
/// private (0700 directory, 0600 file) temporary file that is unlinked as soon as HDF5 has it open;
/// once `H5File.open(image:)` exists this type becomes a thin wrapper over it.
final class MemoryFile {
    let path: String
    private let dir: String
    private var removed = false

    init(bytes: Data, label: String) throws {
        var template = Array((NSTemporaryDirectory() + "/convscope-keras-XXXXXX").utf8CString)
        guard let d = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw KerasIOError(file: label, "cannot create a private scratch directory (errno \(errno))")
        }
        dir = String(cString: d)
        path = dir + "/model.weights.h5"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KerasIOError(file: label, "cannot stage model.weights.h5 (errno \(errno))") }
        defer { close(fd) }
        let ok = bytes.withUnsafeBytes { (p: UnsafeRawBufferPointer) -> Bool in
            var written = 0
            while written < p.count {
                let n = write(fd, p.baseAddress! + written, p.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        guard ok else {
            remove()
            throw KerasIOError(file: label, "cannot stage model.weights.h5 (errno \(errno))")
        }
    }

    /// Unlinks the staged copy (HDF5 keeps reading through its open descriptor).
    func remove() {
        guard !removed else { return }
        removed = true
        unlink(path)
        rmdir(dir)
    }

    deinit { remove() }
}
