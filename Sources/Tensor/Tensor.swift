import Foundation

/// A dense float32 tensor in row-major (C) order. Images and activations are NHWC.
///
/// Storage is a Swift array, so copies are cheap until written (copy-on-write);
/// kernels take `withUnsafe…BufferPointer` views for speed.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = Tensor.zeroFilled(shape.reduce(1, *))
    }

    /// `count` zeros, without touching every page when the block is large, so a 411 MB VGG16 kernel
    /// placeholder costs nothing until it is read or written (inspect builds every layer without
    /// loading values). Zero by contract whatever the allocator hands back: a fresh mapping or a
    /// reused, dirty heap chunk alike. The whole pages inside the block are given back with
    /// `madvise(MADV_DONTNEED)`, after which Linux supplies zero-filled pages on first touch (for
    /// private anonymous memory, which every heap is); the partial pages at either end are cleared.
    /// Above 1 MiB (256 pages) the madvise is already cheaper than clearing: VGG16's 9 MB block4/5
    /// kernels cost nothing either.
    public static func zeroFilled(_ count: Int) -> [Float] {
        zeroFilled(count, untouchedAbove: 1 << 20)
    }

    /// The same with the size above which pages are left untouched. A weight placeholder, which a file's values
    /// or an initializer replace (or `inspect` never reads), uses 16 KiB: VGG16's small kernels cost no page faults either.
    public static func zeroFilled(_ count: Int, untouchedAbove threshold: Int) -> [Float] {
        guard count * MemoryLayout<Float>.stride > threshold else { return [Float](repeating: 0, count: count) }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            zeroPages(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Sets `block` to zero: whole pages by `madvise(MADV_DONTNEED)` on Linux, the rest by `memset`.
    static func zeroPages(_ block: UnsafeMutableRawBufferPointer) {
        guard let base = block.baseAddress, block.count > 0 else { return }
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + block.count) / page * page
        if end > start, madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) == 0 {
            memset(base, 0, start - Int(bitPattern: base))
            memset(UnsafeMutableRawPointer(bitPattern: end)!, 0, Int(bitPattern: base) + block.count - end)
            return
        }
        #endif
        memset(base, 0, block.count)
    }

    /// A tensor whose values the caller writes, every one, before reading any: no zero fill, and a heap
    /// chunk freed by the previous layer is reused as it is (a zero fill would clear it, or give its pages
    /// back and take a page fault per 4 KiB on first touch). For outputs a kernel overwrites completely.
    public init(uninitialized shape: [Int]) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }
    /// Leading (batch) dimension.
    public var batch: Int { shape.first ?? 1 }
    /// Number of values per batch item.
    public var itemCount: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }

    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Item `i` of the batch, keeping a leading batch dimension of 1.
    public func item(_ i: Int) -> Tensor {
        let n = itemCount
        return Tensor(shape: [1] + shape.dropFirst(), data: Array(data[(i * n)..<((i + 1) * n)]))
    }

    /// Stacks tensors of equal shape `[1, …]` or `[…]` along a new/first batch axis.
    public static func stack(_ items: [Tensor]) -> Tensor {
        precondition(!items.isEmpty)
        let inner = items[0].shape.first == 1 && items[0].rank > 1 ? Array(items[0].shape.dropFirst()) : items[0].shape
        var data = [Float]()
        data.reserveCapacity(items.count * inner.reduce(1, *))
        for t in items { data += t.data }
        return Tensor(shape: [items.count] + inner, data: data)
    }
}

extension Tensor {
    public func map(_ f: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, data: data.map(f))
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape)
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in
            b.data.withUnsafeBufferPointer { bb in
                for i in 0..<o.count { o[i] += bb[i] }
            }
        }
        return out
    }

    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: \(shape) vs \(other.shape)")
        data.withUnsafeMutableBufferPointer { o in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<o.count { o[i] += b[i] }
            }
        }
    }

    /// self + other as a new tensor, one pass over both cores for large tensors: where `add` would first copy a
    /// shared buffer (a gradient that is also another branch's), this reads each once and writes the sum once.
    public func adding(_ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "adding: \(shape) vs \(other.shape)")
        var out = Tensor(uninitialized: shape)
        out.data.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { a in
                other.data.withUnsafeBufferPointer { b in
                    let ob = o.baseAddress, ab = a.baseAddress, bb = b.baseAddress
                    parallelRanges(o.count) { r in for i in r { ob![i] = ab![i] + bb![i] } }
                }
            }
        }
        return out
    }

    public func sum() -> Double { data.reduce(0.0) { $0 + Double($1) } }
    public func mean() -> Double { data.isEmpty ? 0 : sum() / Double(data.count) }
    public var min: Float { data.min() ?? 0 }
    public var max: Float { data.max() ?? 0 }
}
