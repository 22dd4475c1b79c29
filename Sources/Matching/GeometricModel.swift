// The model protocol behind RANSAC (Fischler & Bolles, "Random sample consensus",
// CACM 1981): a geometric transform estimated from a minimal sample of point
// correspondences (or least squares from more) and scored by reprojection residuals.

/// A 2-D point in pixel coordinates (x = column, y = row).
public struct Point2: Codable, Equatable, Sendable {
    public var x: Double
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// A putative correspondence source → target; scale and orientation are used only by
/// `SimilarityFromOneMatch` (SIFT frames) and default to 1 and 0.
public struct Correspondence: Codable, Equatable, Sendable {
    public var source: Point2
    public var target: Point2
    public var sourceScale: Double
    public var targetScale: Double
    public var sourceOrientation: Double
    public var targetOrientation: Double

    /// Creates a correspondence; scales and orientations default to 1 and 0.
    public init(source: Point2, target: Point2, sourceScale: Double = 1, targetScale: Double = 1,
                sourceOrientation: Double = 0, targetOrientation: Double = 0) {
        self.source = source; self.target = target
        self.sourceScale = sourceScale; self.targetScale = targetScale
        self.sourceOrientation = sourceOrientation; self.targetOrientation = targetOrientation
    }
}

/// A transform RANSAC can fit: estimated from `minimalSampleSize` or more correspondences.
public protocol GeometricModel: Sendable {
    /// Number of correspondences in a minimal sample.
    static var minimalSampleSize: Int { get }
    /// Estimates the model (exactly from a minimal sample, least squares from more); nil when degenerate.
    static func estimate(from correspondences: [Correspondence]) -> Self?
    /// Maps a source point into the target image.
    func apply(_ point: Point2) -> Point2
    /// The model's parameters, flat (for JSON output).
    var parameters: [Double] { get }
}

extension GeometricModel {
    /// Euclidean reprojection error |apply(source) - target|.
    public func residual(_ c: Correspondence) -> Double {
        let p = apply(c.source)
        let dx = p.x - c.target.x, dy = p.y - c.target.y
        let r = (dx * dx + dy * dy).squareRoot()
        return r.isNaN ? .infinity : r
    }
}

// Degeneracy (refused by RANSAC unless the paper's rule is asked for): a sample with
// fewer distinct source or target points than the minimal sample (many-to-one matches
// pile up on one point), or a model whose local area scale — the Jacobian determinant
// at the sample's centroid, by central differences of 1 px (exact for affine and
// similarity models) — collapses (|det| < minAreaScale) or explodes (|det| > 1/minAreaScale).
extension GeometricModel {
    /// Jacobian determinant of `apply` at `p` (central differences, step 1 px); NaN when not finite.
    public func areaScale(at p: Point2) -> Double {
        let xp = apply(Point2(x: p.x + 1, y: p.y)), xm = apply(Point2(x: p.x - 1, y: p.y))
        let yp = apply(Point2(x: p.x, y: p.y + 1)), ym = apply(Point2(x: p.x, y: p.y - 1))
        let det = ((xp.x - xm.x) * (yp.y - ym.y) - (xp.y - xm.y) * (yp.x - ym.x)) / 4
        return det.isFinite ? det : .nan
    }

    /// Whether the model collapses or explodes areas around the sample's source centroid.
    public func isDegenerate(on sample: [Correspondence], minAreaScale: Double) -> Bool {
        guard !sample.isEmpty else { return true }
        let n = Double(sample.count)
        let c = Point2(x: sample.reduce(0) { $0 + $1.source.x } / n, y: sample.reduce(0) { $0 + $1.source.y } / n)
        let det = abs(areaScale(at: c))
        return !(det >= minAreaScale && det <= 1 / minAreaScale)
    }

    /// Whether the sample has fewer distinct source or target points (1e-6 px apart) than the minimal sample.
    public static func lacksDistinctPoints(_ sample: [Correspondence]) -> Bool {
        func distinct(_ points: [Point2]) -> Int {
            var kept: [Point2] = []
            for p in points where !kept.contains(where: { abs($0.x - p.x) <= 1e-6 && abs($0.y - p.y) <= 1e-6 }) { kept.append(p) }
            return kept.count
        }
        return distinct(sample.map(\.source)) < minimalSampleSize || distinct(sample.map(\.target)) < minimalSampleSize
    }
}
