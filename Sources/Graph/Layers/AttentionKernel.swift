import Foundation
import Tensor

/// What the attention kinds share: the softmax over each query's scores with masked positions pushed to
/// −10⁹ first (as Keras: `scores -= 1e9 · (1 − mask)`; a row whose every position is masked becomes
/// uniform), its backward, and the products on (rows × columns) blocks of flat arrays.
/// Forward and backward side by side.
enum AttentionKernel {
    static let maskedScore: Float = 1e9

    /// Weights from scores in place: `s` holds `rows` rows of `cols`; where `allowed(row, col)` is false the
    /// score drops by 10⁹; then softmax along each row.
    static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, allowed: ((Int, Int) -> Bool)?) {
        for r in 0..<rows {
            let row = s + r * cols
            if let allowed { for c in 0..<cols where !allowed(r, c) { row[c] -= maskedScore } }
            var m = -Float.infinity
            for c in 0..<cols { m = max(m, row[c]) }
            var sum: Float = 0
            for c in 0..<cols { row[c] = expf(row[c] - m); sum += row[c] }
            for c in 0..<cols { row[c] /= sum }
        }
    }

    /// dScores from dWeights in place: w ⊙ (g − Σ g⊙w) along each row (rows × cols).
    static func softmaxRowsBackward(_ g: UnsafeMutablePointer<Float>, weights w: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let gr = g + r * cols, wr = w + r * cols
            var dot: Float = 0
            for c in 0..<cols { dot += gr[c] * wr[c] }
            for c in 0..<cols { gr[c] = wr[c] * (gr[c] - dot) }
        }
    }

    /// C (m×n) = A·B, Aᵀ·B or A·Bᵀ on row-major blocks (A m×k or k×m, B k×n or n×k); `accumulate` adds to C.
    static func product(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
                        m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, accumulate: Bool = false) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
              beta: accumulate ? 1 : 0, c: c, ldc: n)
    }

    /// Additive scores S[i, j] = c · Σ_d w_d · tanh(a·(q[i, d] + k[j, d])) for one sample (q: T×D, k: S×D):
    /// `AdditiveAttention` (w its scale, a = c = 1) and `Attention(score_mode="concat")` (w = 1, a its
    /// scale, c its concat_score_weight). Returns the scores and tanh(·) (T×S×D) for the backward pass.
    static func additiveScores(q: UnsafePointer<Float>, k: UnsafePointer<Float>, t: Int, s: Int, d: Int,
                               w: [Float]?, a: Float, c: Float) -> (scores: [Float], tanh: [Float]) {
        var scores = [Float](repeating: 0, count: t * s), th = [Float](repeating: 0, count: t * s * d)
        for i in 0..<t {
            for j in 0..<s {
                var sum: Float = 0
                for e in 0..<d {
                    let v = tanhf(a * (q[i * d + e] + k[j * d + e]))
                    th[(i * s + j) * d + e] = v
                    sum += (w?[e] ?? 1) * v
                }
                scores[i * s + j] = c * sum
            }
        }
        return (scores, th)
    }

    /// Backward of `additiveScores` from dS (T×S): adds dq (T×D) and dk (S×D), and returns the gradients of
    /// w (D, when given), a and c.
    static func additiveScoresBackward(_ ds: [Float], tanh th: [Float], q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                                       t: Int, s: Int, d: Int, w: [Float]?, a: Float, c: Float,
                                       dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>)
        -> (dw: [Float], da: Float, dc: Float) {
        var dw = [Float](repeating: 0, count: w == nil ? 0 : d), da: Float = 0, dc: Float = 0
        for i in 0..<t {
            for j in 0..<s {
                let g = ds[i * s + j]
                for e in 0..<d {
                    let v = th[(i * s + j) * d + e], we = w?[e] ?? 1
                    dc += g * we * v
                    if w != nil { dw[e] += g * c * v }
                    let du = g * c * we * (1 - v * v)                         // d/d(a·(q + k))
                    da += du * (q[i * d + e] + k[j * d + e])
                    dq[i * d + e] += du * a
                    dk[j * d + e] += du * a
                }
            }
        }
        return (dw, da, dc)
    }
}
