import Foundation

/// The process-wide ceiling on what one declaration in an input file may make ConvScope allocate:
/// a tensor, a decoded image, a dataset read, a zip entry, a model's weights taken together.
///
/// Readers compare declared sizes with it before allocating and refuse with one line naming both
/// (`refusal(_:declares:)`), so a hostile or mistaken file cannot make the process allocate more than
/// the machine has: Swift traps on a failed allocation, and on Linux the OOM killer may strike first.
/// `convscope --max-memory SIZE` sets it; library calls with a `byteLimit:` argument default to it.
public enum MemoryLimit {
    /// Half of the machine's RAM. Each check bounds one declaration, and a declaration rarely lives alone
    /// (the file's bytes beside the decoded values, weights beside activations), so one that needs more
    /// than half the RAM cannot be worked with anyway; real inputs (VGG16's weights: 553 MB) are far below.
    public static let defaultBytes = max(PhysicalMemory.bytes / 2, 1)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = defaultBytes

    /// The limit in bytes, read and set from any thread.
    public static var bytes: Int {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    /// The one-line reason `subject` is refused, or nil when `declared` bytes fit within `limit`.
    /// `declared` nil means the declared size overflowed `Int`; `detail` says what the bytes are made of;
    /// `verb` is "is" for sizes that are facts (a file's length) rather than declarations.
    ///
    ///     image of 9000x9000x3 samples declares 1215000000 bytes (1.1 GiB: 5 bytes per sample decoded),
    ///     over the memory limit of 1 GiB (--max-memory)
    public static func refusal(_ subject: String, declares declared: Int?, detail: String? = nil,
                               verb: String = "declares", limit: Int = MemoryLimit.bytes) -> String? {
        if let declared, declared <= limit { return nil }
        let amount = declared.map { "\($0) bytes" } ?? "more than \(Int.max) bytes"
        let human = declared.flatMap { $0 >= 1024 ? MemorySize.format($0) : nil }
        let explained = [human, detail].compactMap { $0 }.joined(separator: ": ")
        // Name the option only when the limit is the process-wide one (a library caller may pass its own).
        let source = limit == bytes ? " (--max-memory)" : ""
        return "\(subject) \(verb) \(amount)\(explained.isEmpty ? "" : " (\(explained))"), "
            + "over the memory limit of \(MemorySize.format(limit))\(source)"
    }
}
