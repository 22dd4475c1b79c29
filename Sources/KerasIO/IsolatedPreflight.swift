import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension KerasFile {
    /// Reads a file's structure once in a forked child process before the real read.
    ///
    /// Every structure libhdf5 1.10 is known to trust unchecked (variable-length string heaps) is
    /// checked before it reads it (docs/reliability.md), so this is the second line: should the
    /// library still crash or spin on a hostile file, the child dies instead of ConvScope and the
    /// caller gets a one-line refusal. A child that finishes (whether the file is fine or merely
    /// invalid) lets the caller go on, and the real read then reports ordinary errors itself.
    public static func preflight(_ path: String, timeout: TimeInterval = 30) throws {
        try isolated(file: path, timeout: timeout) { (try? open(path, loadValues: false)) != nil }
    }

    /// Runs `body` in a forked child; throws if the child is killed by a signal or outlives `timeout`.
    static func isolated(file path: String, timeout: TimeInterval, _ body: () -> Bool) throws {
        #if os(Linux)
        fflush(stdout)
        fflush(stderr)
        let pid = fork()
        if pid == 0 {
            // Child: silent; dies plainly on a fault (no Swift backtrace on the user's terminal);
            // never returns.
            for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(sig, SIG_DFL) }
            let devnull = Glibc.open("/dev/null", O_WRONLY)
            if devnull >= 0 { dup2(devnull, STDERR_FILENO); dup2(devnull, STDOUT_FILENO) }
            _exit(body() ? 0 : 3)
        }
        guard pid > 0 else { return }   // fork failed: read in-process as before
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 { return }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw KerasIOError(file: path, "reading its structure did not finish in \(Int(timeout)) s; the file is damaged or hostile, refusing it", kind: .readerTimedOut)
            }
            usleep(2_000)
        }
        // WIFSIGNALED / WTERMSIG, spelled out (the C macros do not import).
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F {
            throw KerasIOError(file: path, "the HDF5 library crashed reading this file (signal \(signal)); it is damaged or hostile, refusing it", kind: .readerCrashed)
        }
        #else
        // ConvScope supports Linux only; elsewhere there is no crash containment, so refuse rather
        // than read an untrusted file in-process without it.
        throw KerasIOError(file: path, "crash containment (a forked child reads the file first) is only implemented on Linux; refusing to read it on this platform")
        #endif
    }
}
