// Affine transform, least squares from three or more correspondences — as
// skimage.transform.AffineTransform.estimate, the model of the paper's Harris
// experiment (RANSAC, 3 samples, residual threshold 2, 100 trials).
// Solved per output coordinate by the 3x3 normal equations on centred points.

/// x' = a·x + b·y + c, y' = d·x + e·y + f.
public struct AffineModel: GeometricModel, Codable, Equatable {
    /// Row-major 2x3 matrix [a, b, c, d, e, f].
    public var matrix: [Double]

    /// Creates the model from its 2x3 row-major matrix.
    public init(matrix: [Double]) {
        precondition(matrix.count == 6, "AffineModel: 6 parameters")
        self.matrix = matrix
    }

    /// Three non-collinear correspondences.
    public static var minimalSampleSize: Int { 3 }

    /// Least-squares affine fit; nil for fewer than 3 or collinear points.
    public static func estimate(from cs: [Correspondence]) -> AffineModel? {
        guard cs.count >= 3 else { return nil }
        let n = Double(cs.count)
        let mx = cs.reduce(0) { $0 + $1.source.x } / n, my = cs.reduce(0) { $0 + $1.source.y } / n
        let ux = cs.reduce(0) { $0 + $1.target.x } / n, uy = cs.reduce(0) { $0 + $1.target.y } / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0, sxu = 0.0, syu = 0.0, sxv = 0.0, syv = 0.0
        for c in cs {
            let x = c.source.x - mx, y = c.source.y - my, u = c.target.x - ux, v = c.target.y - uy
            sxx += x * x; sxy += x * y; syy += y * y
            sxu += x * u; syu += y * u; sxv += x * v; syv += y * v
        }
        let normal = [sxx, sxy, sxy, syy]
        guard let ab = solveLinearSystem(normal, [sxu, syu], n: 2),
              let de = solveLinearSystem(normal, [sxv, syv], n: 2) else { return nil }
        let c = ux - ab[0] * mx - ab[1] * my, f = uy - de[0] * mx - de[1] * my
        return AffineModel(matrix: [ab[0], ab[1], c, de[0], de[1], f])
    }

    /// A·p + t.
    public func apply(_ p: Point2) -> Point2 {
        Point2(x: matrix[0] * p.x + matrix[1] * p.y + matrix[2], y: matrix[3] * p.x + matrix[4] * p.y + matrix[5])
    }

    /// [a, b, c, d, e, f].
    public var parameters: [Double] { matrix }
}
