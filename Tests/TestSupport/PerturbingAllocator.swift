import Foundation

/// glibc's `mallopt(M_PERTURB, byte)` (malloc.h's M_PERTURB is -6; not in Swift's Glibc module): every
/// allocation is then filled with the complement of `byte` (freed memory with `byte`), as `MALLOC_PERTURB_`
/// does, so a value a kernel leaves unwritten shows up as that pattern. `0` turns it off.
public enum PerturbingAllocator {
    /// Returns false where there is no such knob (e.g. under AddressSanitizer's allocator).
    @discardableResult
    public static func fill(_ byte: Int32) -> Bool {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        return unsafeBitCast(symbol, to: Mallopt.self)(-6, byte) == 1
    }
}
