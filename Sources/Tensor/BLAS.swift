import COpenBLAS
import Foundation

/// Matrix multiply through OpenBLAS: C = alpha · op(A) · op(B) + beta · C, all row-major.
/// op(A) is M×K, op(B) is K×N, C is M×N. One row (M = 1: a Dense layer on one image) runs as a matrix–vector
/// product: OpenBLAS 0.3.21's sgemm packs all of B first, and for VGG16's fc1 (25088×4096, 411 MB) sgemv took
/// 55 against 155 ms on one thread, 60 against 250 ms on two (AMD EPYC Zen 4, under load).
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    if m == 1 {
        // c (1×N) = alpha · a (1×K, stride lda when transposed) · op(B) + beta · c.
        if transB {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, transA ? Int32(lda) : 1, beta, c, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, transA ? Int32(lda) : 1, beta, c, 1)
        }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Thread settings shared by OpenBLAS and ConvScope's own parallel loops.
public enum Threading {
    nonisolated(unsafe) private static var configured = ProcessInfo.processInfo.activeProcessorCount

    /// Threads used by sgemm and by `parallelFor`.
    public static var count: Int { configured }

    public static func set(_ n: Int) {
        configured = max(1, n)
        openblas_set_num_threads(Int32(configured))
    }

    /// The kernel OpenBLAS chose for this CPU (e.g. "Haswell", "SkylakeX").
    public static var blasCore: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    public static var blasConfig: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}

/// Runs `body(i)` for i in 0..<n, split over `Threading.count` workers when the work is big enough to pay.
public func parallelFor(_ n: Int, minPerThread: Int = 1, _ body: (Int) -> Void) {
    let workers = min(Threading.count, n / max(minPerThread, 1))
    if workers <= 1 {
        for i in 0..<n { body(i) }
        return
    }
    let chunk = (n + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = w * chunk, hi = min(n, lo + chunk)
        if lo < hi { for i in lo..<hi { body(i) } }
    }
}

/// Splits 0..<count into contiguous ranges of whole `unit`s (e.g. rows of channels) and runs them on
/// `Threading.count` workers when the work is large enough to pay for the hand-off.
public func parallelRanges(_ count: Int, unit: Int = 1, minimum: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
    let units = count / max(unit, 1)
    let workers = count >= minimum ? min(Threading.count, units) : 1
    if workers <= 1 { body(0..<count); return }
    let per = (units + workers - 1) / workers * unit
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = w * per, hi = min(count, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}
