#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed activation-sized blocks in the process' heap for the next training step.
///
/// A training step allocates and frees the same large tensors every batch (activations, tapes, gradients:
/// 16 MB each for the Conv bench at batch 128). glibc serves blocks that size with fresh `mmap`s, or trims
/// them off the top of the heap once freed, so every step page-faults and zero-fills them again (the kernel's
/// `clear_page` and fault handling were ~20% of the Conv bench's CPU samples). Raising the mmap threshold to
/// glibc's maximum (32 MiB) and the trim threshold to 2 GiB keeps them in the heap; the peak stays the
/// step's own (freed blocks are reused, not added). Process-wide, set once, by `Trainer`.
enum HeapRetention {
    static let enabled: Bool = {
        #if canImport(Glibc)
        // mallopt(3) is not in Swift's Glibc module (malloc.h); glibc exports it. M_TRIM_THRESHOLD −1, M_MMAP_THRESHOLD −3.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }   // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        return mallopt(-3, 32 << 20) == 1 && mallopt(-1, Int32.max) == 1
        #else
        return false
        #endif
    }()
}
