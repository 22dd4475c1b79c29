// Planar homography by the normalised Direct Linear Transform — Hartley &
// Zisserman, Multiple View Geometry, 2nd ed., Alg. 4.2: points normalised to
// centroid 0 and mean distance √2, h = eigenvector of AᵀA with the smallest
// eigenvalue (= last right singular vector of A), then denormalised, H[2][2] = 1.

/// x' ~ H·x (3x3, row-major, normalised so that H[8] = 1 when possible).
public struct HomographyModel: GeometricModel, Codable, Equatable {
    /// Row-major 3x3 matrix.
    public var matrix: [Double]

    /// Creates the model from its 3x3 row-major matrix.
    public init(matrix: [Double]) {
        precondition(matrix.count == 9, "HomographyModel: 9 parameters")
        self.matrix = matrix
    }

    /// Four correspondences, no three collinear.
    public static var minimalSampleSize: Int { 4 }

    /// Normalised DLT from four or more correspondences; nil when degenerate.
    public static func estimate(from cs: [Correspondence]) -> HomographyModel? {
        guard cs.count >= 4 else { return nil }
        func normaliser(_ pts: [Point2]) -> [Double]? {
            let n = Double(pts.count)
            let mx = pts.reduce(0) { $0 + $1.x } / n, my = pts.reduce(0) { $0 + $1.y } / n
            let meanDist = pts.reduce(0) { $0 + (($1.x - mx) * ($1.x - mx) + ($1.y - my) * ($1.y - my)).squareRoot() } / n
            guard meanDist > 1e-12 else { return nil }
            let s = 2.0.squareRoot() / meanDist
            return [s, 0, -s * mx, 0, s, -s * my, 0, 0, 1]
        }
        guard let ts = normaliser(cs.map(\.source)), let td = normaliser(cs.map(\.target)) else { return nil }
        var ata = [Double](repeating: 0, count: 81)
        for c in cs {
            let x = ts[0] * c.source.x + ts[2], y = ts[4] * c.source.y + ts[5]
            let u = td[0] * c.target.x + td[2], v = td[4] * c.target.y + td[5]
            let r1: [Double] = [0, 0, 0, -x, -y, -1, v * x, v * y, v]
            let r2: [Double] = [x, y, 1, 0, 0, 0, -u * x, -u * y, -u]
            for i in 0..<9 { for j in 0..<9 { ata[i * 9 + j] += r1[i] * r1[j] + r2[i] * r2[j] } }
        }
        let (values, vectors) = symmetricEigen(ata, n: 9)
        let smallest = values.indices.min { values[$0] < values[$1] }!
        let hn = (0..<9).map { vectors[$0 * 9 + smallest] }
        // H = Td⁻¹ · Hn · Ts
        let tdInv: [Double] = [1 / td[0], 0, -td[2] / td[0], 0, 1 / td[4], -td[5] / td[4], 0, 0, 1]
        var h = multiply3(multiply3(tdInv, hn), ts)
        let scale = abs(h[8]) > 1e-12 ? h[8] : (h.reduce(0) { $0 + $1 * $1 }).squareRoot()
        guard scale != 0, scale.isFinite else { return nil }
        h = h.map { $0 / scale }
        guard h.allSatisfy(\.isFinite) else { return nil }
        return HomographyModel(matrix: h)
    }

    /// Projective mapping (x', y') = (H·[x, y, 1]) dehomogenised; infinite at the line at infinity.
    public func apply(_ p: Point2) -> Point2 {
        let w = matrix[6] * p.x + matrix[7] * p.y + matrix[8]
        guard abs(w) > 1e-15 else { return Point2(x: .infinity, y: .infinity) }
        return Point2(x: (matrix[0] * p.x + matrix[1] * p.y + matrix[2]) / w,
                      y: (matrix[3] * p.x + matrix[4] * p.y + matrix[5]) / w)
    }

    /// Row-major 3x3 matrix.
    public var parameters: [Double] { matrix }
}

/// Product of two row-major 3x3 matrices.
private func multiply3(_ a: [Double], _ b: [Double]) -> [Double] {
    var c = [Double](repeating: 0, count: 9)
    for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { c[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j] } } }
    return c
}
