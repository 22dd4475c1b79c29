// Similarity transform from a single SIFT correspondence — the RANSAC of the
// Oxford VGG practical (Vedaldi & Zisserman) used by the paper's SIFT experiment
// (docs/paper-facts.md, "The retraining experiment": a similarity transform estimated
// from a single match — ratio of scales, difference of orientations, translation —
// 100 trials, inliers within 15 px):
//   θ = θ₂ - θ₁, s = s₂ / s₁, t = p₂ - s·R(θ)·p₁.
// From two or more correspondences (the refit on inliers) it is the linear least
// squares similarity x' = a·x - b·y + tx, y' = b·x + a·y + ty (s = |(a, b)|, θ = atan2(b, a)).
import Foundation

/// x' = s·R(θ)·x + t, estimated from one SIFT frame pair (or least squares from several).
public struct SimilarityFromOneMatch: GeometricModel, Codable, Equatable {
    public var scale: Double
    public var angle: Double
    public var tx: Double
    public var ty: Double

    /// Creates the transform from its scale, rotation angle (radians) and translation.
    public init(scale: Double, angle: Double, tx: Double, ty: Double) {
        self.scale = scale; self.angle = angle; self.tx = tx; self.ty = ty
    }

    /// One correspondence (uses its SIFT scales and orientations).
    public static var minimalSampleSize: Int { 1 }

    /// One correspondence: from the frames; two or more: least squares over point positions.
    public static func estimate(from cs: [Correspondence]) -> SimilarityFromOneMatch? {
        if cs.count == 1 {
            let c = cs[0]
            guard c.sourceScale > 0, c.targetScale > 0 else { return nil }
            let theta = c.targetOrientation - c.sourceOrientation
            let s = c.targetScale / c.sourceScale
            let tx = c.target.x - s * (cos(theta) * c.source.x - sin(theta) * c.source.y)
            let ty = c.target.y - s * (sin(theta) * c.source.x + cos(theta) * c.source.y)
            return SimilarityFromOneMatch(scale: s, angle: theta, tx: tx, ty: ty)
        }
        guard cs.count >= 2 else { return nil }
        let n = Double(cs.count)
        let mx = cs.reduce(0) { $0 + $1.source.x } / n, my = cs.reduce(0) { $0 + $1.source.y } / n
        let ux = cs.reduce(0) { $0 + $1.target.x } / n, uy = cs.reduce(0) { $0 + $1.target.y } / n
        var num = 0.0, numB = 0.0, den = 0.0
        for c in cs {
            let x = c.source.x - mx, y = c.source.y - my, u = c.target.x - ux, v = c.target.y - uy
            num += x * u + y * v
            numB += x * v - y * u
            den += x * x + y * y
        }
        guard den > 1e-12 else { return nil }
        let a = num / den, b = numB / den
        return SimilarityFromOneMatch(scale: (a * a + b * b).squareRoot(), angle: atan2(b, a),
                                      tx: ux - (a * mx - b * my), ty: uy - (b * mx + a * my))
    }

    /// s·R(θ)·p + t.
    public func apply(_ p: Point2) -> Point2 {
        let c = cos(angle), s = sin(angle)
        return Point2(x: scale * (c * p.x - s * p.y) + tx, y: scale * (s * p.x + c * p.y) + ty)
    }

    /// [scale, angle (radians), tx, ty].
    public var parameters: [Double] { [scale, angle, tx, ty] }
}
