import Foundation

/// Buffers an inference plan reuses between steps and between calls: a step takes one at least as large
/// as its output and gives it back after the output's last consumer, so after the first call no step
/// allocates, page-faults or zero-fills. Holds at most the plan's peak of live activations.
public final class ActivationArena: @unchecked Sendable {
    /// One 64-byte aligned buffer.
    public final class Buffer: @unchecked Sendable {
        public let pointer: UnsafeMutableRawPointer
        public let capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            pointer = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 64), alignment: 64)
        }
        public var floats: UnsafeMutablePointer<Float> { pointer.assumingMemoryBound(to: Float.self) }
        deinit { pointer.deallocate() }
    }

    private var free: [Buffer] = []
    public init() {}

    /// The smallest free buffer of at least `bytes`, or a new one.
    public func take(_ bytes: Int) -> Buffer {
        var best: Int?
        for (i, b) in free.enumerated() where b.capacity >= bytes && (best == nil || b.capacity < free[best!].capacity) { best = i }
        if let best { return free.remove(at: best) }
        return Buffer(capacity: bytes)
    }

    public func give(_ buffer: Buffer) { free.append(buffer) }

    /// Bytes held by free buffers.
    public var freeBytes: Int { free.reduce(0) { $0 + $1.capacity } }

    public func clear() { free = [] }
}
