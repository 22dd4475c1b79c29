import Foundation
import MemoryLimit

/// Helpers shared by the fuzz targets.
public enum FuzzInput {
    /// A private RAM-backed folder for readers that only take paths (libhdf5 opens files by name).
    public static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = "\(base)/convscope-fuzz-\(getpid())"
        mkdir(dir, 0o700)
        atexit { _ = try? FileManager.default.removeItem(atPath: FuzzInput.folder) }
        return dir
    }()

    /// Writes `bytes` to `folder/name` (replacing it) and returns the path.
    public static func file(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> String {
        let path = folder + "/" + name
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "fuzz: cannot create \(path) (errno \(errno))")
        var written = 0
        while written < size {
            let n = write(fd, data + written, size - written)
            precondition(n > 0, "fuzz: cannot write \(path) (errno \(errno))")
            written += n
        }
        close(fd)
        return path
    }

    /// The input as `Data` (copied; the fuzzer owns its buffer).
    public static func data(_ data: UnsafePointer<UInt8>, _ size: Int) -> Data {
        Data(bytes: data, count: size)
    }
}

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                 _ callback: FuzzCallback) -> CInt

/// Hands the command line to libFuzzer. SwiftPM links an executable target's `main` to its
/// top-level code, so each target's main.swift calls this instead of relying on libFuzzer's `main`.
public func runLibFuzzer(_ callback: FuzzCallback) -> Never {
    // Readers refuse declarations over the memory limit; keep it well under run.sh's
    // -malloc_limit_mb (2 GiB), so a refused declaration is not reported as an out-of-memory crash.
    MemoryLimit.bytes = 256 << 20
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}
