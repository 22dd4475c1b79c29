import Foundation

/// Buffers an inference plan reuses between steps and between calls: a step takes one at least as large
/// as its output and gives it back after the output's last consumer, so after the first call a step of the
/// same size as an earlier one (a block's convolutions, a ResNet stage) does not allocate, page-fault or
/// zero-fill. Holds at most the plan's peak of live activations, and drops buffers twice the size asked for.
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

    /// The smallest free buffer of at least `bytes`, or a new one. Free buffers of twice `bytes` or more go back
    /// to the system first: a CNN's activations shrink with depth, and holding the early layers' buffers while the
    /// later ones run (and their kernels are reordered, on a first call) would add them to the process' peak,
    /// past the memory bound (weights + the two largest activations + 20%).
    public func take(_ bytes: Int) -> Buffer {
        free.removeAll { $0.capacity >= 2 * max(bytes, 64) }
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
