import Foundation
import Graph
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
        _ = try isolatedOutput(file: path, timeout: timeout) { body() ? Data() : nil }
    }

    /// Runs `body` in a forked child and returns the bytes it produced, so a caller that needs only what the
    /// child read (e.g. `inspect`'s metadata) reads the file once, isolated: nil when `body` returned nil
    /// (an ordinary error the caller reproduces in-process to report it); throws if the child is killed by a
    /// signal or outlives `timeout`, naming `path`.
    public static func isolatedOutput(file path: String, timeout: TimeInterval = 30, _ body: () -> Data?) throws -> Data? {
        #if os(Linux)
        // The layer registry (every kind's class names, built on first use) is built here once, so each child
        // inherits it instead of building it again and dying with it.
        _ = LayerRegistry.isSupported("InputLayer")
        fflush(stdout)
        fflush(stderr)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }   // no pipe: the caller reads in-process after a plain preflight
        let pid = fork()
        if pid == 0 {
            // Child: silent; dies plainly on a fault (no Swift backtrace on the user's terminal);
            // never returns.
            close(fds[0])
            for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(sig, SIG_DFL) }
            let devnull = Glibc.open("/dev/null", O_WRONLY)
            if devnull >= 0 { dup2(devnull, STDERR_FILENO); dup2(devnull, STDOUT_FILENO) }
            guard var out = body() else { _exit(3) }
            out.append(contentsOf: completeMark(of: out.count))
            let complete = out.withUnsafeBytes { raw -> Bool in
                var done = 0
                while done < raw.count {
                    let n = write(fds[1], raw.baseAddress! + done, raw.count - done)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    done += n
                }
                return true
            }
            // Closed before exiting: the parent has the whole result while this process's teardown still runs.
            close(fds[1])
            _exit(complete ? 0 : 3)
        }
        close(fds[1])
        defer { close(fds[0]) }
        guard pid > 0 else { return nil }   // fork failed: the caller reads in-process as before
        let deadline = Date().addingTimeInterval(timeout)
        func timedOut() -> KerasIOError {
            kill(pid, SIGKILL)
            var s: Int32 = 0
            _ = waitpid(pid, &s, 0)
            return KerasIOError(file: path, "reading its structure did not finish in \(Int(timeout)) s; the file is damaged or hostile, refusing it", kind: .readerTimedOut)
        }
        // Drain the pipe until the child closes it (at exit), so a large result never blocks the child.
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { throw timedOut() }
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if ready < 0 { if errno == EINTR { continue }; break }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        // The pipe closed. A result ending in the mark is complete: the child finished `body` and wrote it all, so
        // nothing it does later changes the answer; it is reaped in the background instead of waited for (its
        // exit, the teardown of its address space, is a few percent of a small read).
        if received.count >= 8, received.suffix(8).elementsEqual(completeMark(of: received.count - 8)) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == 0 { DispatchQueue.global(qos: .utility).async { var s: Int32 = 0; _ = waitpid(pid, &s, 0) } }
            return received.prefix(received.count - 8)
        }
        // The child is exiting without a complete result. Poll briefly first (a 1 ms sleep would be most of a small read).
        var status: Int32 = 0
        var polls = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 { return nil }
            if Date() > deadline { throw timedOut() }
            polls += 1
            usleep(polls < 200 ? 20 : 1_000)
        }
        // WIFSIGNALED / WTERMSIG, spelled out (the C macros do not import).
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F {
            throw KerasIOError(file: path, "the HDF5 library crashed reading this file (signal \(signal)); it is damaged or hostile, refusing it", kind: .readerCrashed)
        }
        return (status >> 8) & 0xFF == 0 ? received : nil
        #else
        // ConvScope supports Linux only; elsewhere there is no crash containment, so refuse rather
        // than read an untrusted file in-process without it.
        throw KerasIOError(file: path, "crash containment (a forked child reads the file first) is only implemented on Linux; refusing to read it on this platform")
        #endif
    }

    /// What a child writes after a complete result: its length, 8 bytes little-endian (a write cut short cannot end in it).
    static func completeMark(of count: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: UInt64(count) >> (8 * UInt64($0))) }
    }
}
