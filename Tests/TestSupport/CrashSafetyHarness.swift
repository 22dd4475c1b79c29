import FileSupport
import Foundation
import Imaging
import XCTest

extension XCTestCase {
    /// A fresh folder for one test, removed when the test ends.
    public func tempDir(_ name: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }
}

/// Runs the built `convscope` binary for the crash-safety tests: runs that are killed with SIGKILL at many
/// points, and runs that are sent SIGINT/SIGTERM once they have started working.
public struct CrashSafetyHarness {
    public struct HarnessError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Send `signal` once the command's stderr contains `marker` (so it is past start-up, its handlers installed).
    public struct Interruption {
        public var signal: Int32
        public var marker: String

        public init(signal: Int32, marker: String) {
            self.signal = signal
            self.marker = marker
        }
    }

    /// When a run is killed with SIGKILL.
    public enum KillPoint: CustomStringConvertible {
        /// That many seconds after the run's origin.
        case after(Double)
        /// As soon as this file (relative path) or its temporary file changes: in the middle of writing it
        /// (or, for a file written at once, just after).
        case whileWriting(String)
        /// As soon as this file (relative path) has changed: just after it was written, while the next one is made.
        case afterWriting(String)

        public var description: String {
            switch self {
            case .after(let s): return String(format: "at %.3f s", s)
            case .whileWriting(let f): return "while writing \(f)"
            case .afterWriting(let f): return "just after writing \(f)"
            }
        }
    }

    /// How a run ended. Times are seconds from the run's origin: its start, or the interruption when there is one.
    public struct Outcome {
        /// The exit status, or the signal that ended the process.
        public var status: Int32
        public var killedBySignal: Bool
        public var stderr: String
        public var seconds: Double
        /// When a file under the folder first changed (watched runs only).
        public var firstChange: Double?
        /// Files (relative paths) seen part-written (watched runs only): their temporary file was seen, or the file
        /// itself in more than one new state (written in place). The writes that can be killed in the middle.
        public var slowWrites: [String] = []
    }

    /// The `convscope` executable next to the test bundle (`swift build` puts both in .build/debug).
    public static func convscopeBinary() -> URL? {
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("convscope"),
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("convscope"),
                          Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("convscope")]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    public let binary: URL
    /// Where the command writes: watched for changes and searched (recursively) for temporary files.
    public let folder: URL

    public init(folder: URL) throws {
        guard let binary = Self.convscopeBinary() else {
            throw HarnessError(description: "the convscope executable was not found next to the test bundle; build it (swift build) before testing")
        }
        self.binary = binary
        self.folder = folder
    }

    // MARK: One run

    /// Runs `convscope arguments`. With `interruption`, sends its signal once stderr shows its marker; with `kill`,
    /// sends SIGKILL at that point (unless the process has ended already). With `watch`, polls the folder every few
    /// milliseconds, recording the first change and the slow writes.
    public func run(_ arguments: [String], interruption: Interruption? = nil, kill point: KillPoint? = nil,
             watch: Bool = false) throws -> Outcome {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        p.standardError = errors
        let stderr = StreamCollector(errors.fileHandleForReading)
        var polling = watch
        if case .after = point {} else if point != nil { polling = true }
        var before = polling && interruption == nil ? snapshot() : [:]
        try p.run()
        var origin = Date()
        if let interruption {
            guard stderr.wait(for: interruption.marker, timeout: 120, while: { p.isRunning }) else {
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                p.waitUntilExit()
                throw HarnessError(description: "convscope \(arguments.joined(separator: " ")) ended before printing '\(interruption.marker)':\n\(stderr.finish())")
            }
            if polling { before = snapshot() }
            kill(p.processIdentifier, interruption.signal)
            origin = Date()
        }
        var firstChange: Double?
        var slowWrites: [String] = []
        var newStates: [String: Set<[Int]>] = [:]
        if polling {
            while p.isRunning {
                let now = snapshot()
                if firstChange == nil, now != before { firstChange = Date().timeIntervalSince(origin) }
                var partWritten = now.keys.compactMap(Self.targetOfTemporary)
                for (name, state) in now where state != before[name] && Self.targetOfTemporary(name) == nil {
                    newStates[name, default: []].insert(state)
                    if newStates[name]!.count > 1 { partWritten.append(name) }
                }
                for target in partWritten where !slowWrites.contains(target) { slowWrites.append(target) }
                let due: Bool
                switch point {
                case .after(let seconds)?: due = Date().timeIntervalSince(origin) >= seconds
                case .whileWriting(let file)?: due = slowWrites.contains(file) || now[file] != before[file]
                case .afterWriting(let file)?: due = now[file] != nil && now[file] != before[file]
                case nil: due = false
                }
                if due { kill(p.processIdentifier, SIGKILL); break }
                usleep(3_000)
            }
        } else if case .after(let seconds)? = point {
            Thread.sleep(until: origin.addingTimeInterval(seconds))
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(origin)
        if polling, firstChange == nil, snapshot() != before { firstChange = seconds }
        return Outcome(status: p.terminationStatus, killedBySignal: p.terminationReason == .uncaughtSignal,
                       stderr: stderr.finish(), seconds: seconds, firstChange: firstChange, slowWrites: slowWrites)
    }

    /// Up to `count` elements of `list`, evenly spaced, first and last included.
    public static func spread<T>(_ list: [T], count: Int) -> [T] {
        guard list.count > count, count > 1 else { return Array(list.prefix(count)) }
        return (0..<count).map { list[$0 * (list.count - 1) / (count - 1)] }
    }

    /// `dir/.NAME.tmp-XXXXXX` → `dir/NAME`; nil for a file that is not a temporary file.
    public static func targetOfTemporary(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        guard AtomicFile.isTemporaryName(name), let marker = name.range(of: AtomicFile.temporaryMarker, options: .backwards) else { return nil }
        let target = String(name[name.index(after: name.startIndex)..<marker.lowerBound])
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? target : dir + "/" + target
    }

    // MARK: Files

    /// Every file under the folder (relative path) with its size and modification time. Plain readdir and lstat:
    /// the clean run polls this every few milliseconds, and must not be slowed down by it.
    public func snapshot() -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        func walk(_ dir: String, _ prefix: String) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                var st = stat()
                guard lstat(dir + "/" + name, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    walk(dir + "/" + name, prefix + name + "/")
                } else {
                    #if os(Linux)
                    let mtime = st.st_mtim
                    #else
                    let mtime = st.st_mtimespec
                    #endif
                    out[prefix + name] = [Int(st.st_size), Int(mtime.tv_sec), Int(mtime.tv_nsec), Int(st.st_ino)]
                }
            }
        }
        walk(folder.path, "")
        return out
    }

    /// Temporary files (AtomicFile's naming) anywhere under the folder, as relative paths.
    public func temporaryFiles() -> [String] {
        snapshot().keys.filter { AtomicFile.isTemporaryName(($0 as NSString).lastPathComponent) }.sorted()
    }

    public func removeTemporaryFiles() throws {
        for t in temporaryFiles() { try FileManager.default.removeItem(at: folder.appendingPathComponent(t)) }
    }

    // MARK: Kill at fractions

    /// The crash test of one command. First two clean runs (each after `prepare(nil)`): they must end with
    /// `cleanStatus`, leave no temporary file, and pass `check`. The faster one gives the writing window, from when
    /// it first changed a file to its end (measured from the interruption when there is one). Then one run per kill
    /// point, each after `prepare(k)` puts the old files in place: at each fraction of the writing window; while
    /// writing each of up to `slowWriteKills` slow writes (files whose temporary file the clean runs were seen
    /// writing, picked evenly in the order they were seen); and just after writing each of `afterWriting`.
    /// `check` must hold after every kill; it is told whether the run finished on its own (the clean runs, and a
    /// run that ended before its kill). The killed runs' temporary files are removed. Returns the faster clean run.
    @discardableResult
    public func killAtFractions(_ fractions: [Double], arguments: (_ kill: Int?) -> [String], interruption: Interruption? = nil,
                         slowWriteKills: Int = 4, afterWriting: [String] = [], cleanStatus: Int32 = 0,
                         prepare: (_ kill: Int?) throws -> Void, check: (_ label: String, _ finished: Bool) throws -> Void,
                         file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        var faster: Outcome?
        var slowWrites: [String] = []
        for label in ["clean run", "second clean run"] {
            try prepare(nil)
            let r = try run(arguments(nil), interruption: interruption, watch: true)
            XCTAssertFalse(r.killedBySignal, "\(label) was killed by signal \(r.status): \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.status, cleanStatus, "\(label): \(r.stderr)", file: file, line: line)
            XCTAssertEqual(temporaryFiles(), [], "\(label) left temporary files", file: file, line: line)
            try check(label, true)
            print(String(format: "  %@: %.3f s, first file change at %.3f s; slow writes: %@", label, r.seconds, r.firstChange ?? -1,
                         r.slowWrites.joined(separator: ", ")))
            if faster == nil || r.seconds < faster!.seconds { faster = r }
            slowWrites += r.slowWrites.filter { !slowWrites.contains($0) }
        }
        let clean = faster!
        let start = max(0, (clean.firstChange ?? 0) - 0.01)
        // Runs still vary; a run that ends before a timed kill moves the window's end to its own end, so the later
        // fractions still land inside a run.
        var end = clean.seconds
        var midWrite = 0, afterEnd = 0
        var points: [(label: String, point: KillPoint?)] = fractions.map { (String(format: "%.2f of the writing window", $0), nil) }
        points += Self.spread(slowWrites, count: slowWriteKills).map { ("", .whileWriting($0)) }
        points += afterWriting.map { ("", .afterWriting($0)) }
        for (k, var kill) in points.enumerated() {
            if kill.point == nil { kill.point = .after(start + fractions[k] * max(end - start, 0.01)) }
            try prepare(k)
            let killed = try run(arguments(k), interruption: interruption, kill: kill.point)
            let label = "killed \(kill.point!)" + (kill.label.isEmpty ? "" : " (\(kill.label))")
            let leftovers = temporaryFiles()
            if !leftovers.isEmpty { midWrite += 1 }
            if !killed.killedBySignal {
                afterEnd += 1
                if case .after? = kill.point { end = killed.seconds }
            }
            print("  kill \(k) \(label): " + (killed.killedBySignal
                ? (leftovers.isEmpty ? "no temporary file left" : "left \(leftovers.joined(separator: ", "))")
                : String(format: "the run had ended (%.3f s)", killed.seconds)))
            try check(label, !killed.killedBySignal)
            try removeTemporaryFiles()
        }
        print(String(format: "%@: clean run %.2f s, writing from %.2f s; %d kills, %d left a temporary file, %d came after the run had ended",
                     arguments(nil).first ?? "convscope", clean.seconds, start, points.count, midWrite, afterEnd))
        return clean
    }
}

/// Collects a pipe's output on a background thread, so a test can wait for a line while the process runs.
public final class StreamCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            done.signal()
        }
    }

    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until the output contains `marker`; false on timeout or when `alive` turns false first.
    public func wait(for marker: String, timeout: Double, while alive: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if text.contains(marker) { return true }
            if !alive() { return text.contains(marker) }
            usleep(2_000)
        }
        return false
    }

    /// Everything, once the writer has closed the pipe.
    public func finish() -> String {
        done.wait()
        done.signal()
        return text
    }
}
