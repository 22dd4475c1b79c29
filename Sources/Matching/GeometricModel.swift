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
