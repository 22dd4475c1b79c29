import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes exposed under a file path without writing them to disk (Linux: an anonymous `memfd`),
/// so the HDF5 library can open `model.weights.h5` from inside a `.keras` archive.
final class MemoryFile {
    let path: String
    private let fd: Int32

    init(bytes: Data, label: String) throws {
        #if os(Linux)
        typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
        guard let sym = dlsym(nil, "memfd_create") else {
            throw KerasIOError(file: label, "cannot create an in-memory file (no memfd_create)")
        }
        let memfdCreate = unsafeBitCast(sym, to: MemfdCreate.self)
        let fd = memfdCreate("convscope-weights", 1 /* MFD_CLOEXEC */)
        guard fd >= 0 else { throw KerasIOError(file: label, "cannot create an in-memory file (errno \(errno))") }
        var written = 0
        let ok = bytes.withUnsafeBytes { (p: UnsafeRawBufferPointer) -> Bool in
            while written < p.count {
                let n = Glibc.write(fd, p.baseAddress! + written, p.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        guard ok else {
            close(fd)
            throw KerasIOError(file: label, "cannot fill an in-memory file (errno \(errno))")
        }
        self.fd = fd
        self.path = "/proc/self/fd/\(fd)"
        #else
        throw KerasIOError(file: label, "reading HDF5 from memory needs Linux memfd on this build")
        #endif
    }

    deinit {
        #if os(Linux)
        close(fd)
        #endif
    }
}
