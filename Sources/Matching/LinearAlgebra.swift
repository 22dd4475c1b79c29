// Small dense linear algebra for the geometric models: Gaussian elimination with
// partial pivoting (Golub & Van Loan, Matrix Computations, Alg. 3.4.1) and the
// cyclic Jacobi eigenvalue method for symmetric matrices (ibid., Sect. 8.5).

/// Solves the n x n system `a · x = b` (row-major `a`); nil when (numerically) singular.
func solveLinearSystem(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
    var m = a, rhs = b
    let scale = a.map { abs($0) }.max() ?? 0
    guard scale > 0 else { return nil }
    for col in 0..<n {
        var pivot = col
        for r in (col + 1)..<max(n, col + 1) where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
        guard abs(m[pivot * n + col]) > 1e-12 * scale else { return nil }
        if pivot != col {
            for k in 0..<n { m.swapAt(col * n + k, pivot * n + k) }
            rhs.swapAt(col, pivot)
        }
        for r in (col + 1)..<max(n, col + 1) {
            let f = m[r * n + col] / m[col * n + col]
            if f == 0 { continue }
            for k in col..<n { m[r * n + k] -= f * m[col * n + k] }
            rhs[r] -= f * rhs[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = rhs[r]
        for k in (r + 1)..<max(n, r + 1) { s -= m[r * n + k] * x[k] }
        x[r] = s / m[r * n + r]
    }
    return x
}

/// Eigen-decomposition of a symmetric n x n matrix: (eigenvalues, eigenvectors as columns, row-major).
func symmetricEigen(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
    var m = a
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<n { for q in (p + 1)..<max(n, p + 1) { off += m[p * n + q] * m[p * n + q] } }
        if off < 1e-30 { break }
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) where m[p * n + q] != 0 {
                let theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let mkp = m[k * n + p], mkq = m[k * n + q]
                    m[k * n + p] = c * mkp - s * mkq
                    m[k * n + q] = s * mkp + c * mkq
                }
                for k in 0..<n {
                    let mpk = m[p * n + k], mqk = m[q * n + k]
                    m[p * n + k] = c * mpk - s * mqk
                    m[q * n + k] = s * mpk + c * mqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { m[$0 * n + $0] }, v)
}
