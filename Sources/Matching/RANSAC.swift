// RANSAC — M. A. Fischler and R. C. Bolles, "Random sample consensus", CACM 24(6),
// 1981; same contract as skimage.measure.ransac as used by the paper: `trials`
// random minimal samples, inliers = residual < threshold, keep the sample with
// most inliers (ties: smaller summed inlier residual), then refit the model on
// those inliers (least squares) and return the best trial's inlier mask.
// Randomness comes only from `SplitMix64`, so equal seeds give equal results.
// With `refuseDegenerate` (the default; off for the paper's settings) a sample with
// fewer distinct points than the minimal sample, or a model collapsing areas
// (GeometricModel.isDegenerate), counts as no model; a degenerate refit is dropped.

import Tensor

/// RANSAC settings; the paper uses 100 trials with 15 px (SIFT) or 2 px (Harris).
public struct RANSACOptions: Codable, Equatable, Sendable {
    /// Number of random minimal samples.
    public var trials: Int
    /// A correspondence is an inlier when its residual is strictly below this (pixels).
    public var residualThreshold: Double
    /// Seed of the sample generator.
    public var seed: UInt64
    /// Re-estimate the model from all inliers of the best sample.
    public var refit: Bool
    /// Refuse degenerate samples and models (see GeometricModel.isDegenerate).
    public var refuseDegenerate: Bool
    /// Smallest accepted |Jacobian determinant| (and 1 / largest) when refusing degenerate models.
    public var minAreaScale: Double

    /// Creates options (defaults: 100 trials, seed 0, refit on, degenerate models refused, area scale within 1/100…100).
    public init(trials: Int = 100, residualThreshold: Double, seed: UInt64 = 0, refit: Bool = true,
                refuseDegenerate: Bool = true, minAreaScale: Double = 0.01) {
        self.trials = trials; self.residualThreshold = residualThreshold; self.seed = seed; self.refit = refit
        self.refuseDegenerate = refuseDegenerate; self.minAreaScale = minAreaScale
    }

    /// Whether `model`, estimated from `sample`, is refused.
    func refuses<Model: GeometricModel>(_ model: Model, from sample: [Correspondence]) -> Bool {
        refuseDegenerate && model.isDegenerate(on: sample, minAreaScale: minAreaScale)
    }
}

/// Outcome of a RANSAC fit.
public struct RANSACResult<Model: GeometricModel>: Sendable {
    /// Best model (refit on its inliers when possible); nil when no sample gave a model.
    public var model: Model?
    /// One flag per input correspondence.
    public var inliers: [Bool]
    /// Number of true flags in `inliers`.
    public var inlierCount: Int { inliers.lazy.filter { $0 }.count }
}

/// Generic RANSAC over a `GeometricModel`.
public enum RANSAC {
    /// Fits `Model` robustly to the correspondences.
    public static func fit<Model: GeometricModel>(_ type: Model.Type, to correspondences: [Correspondence],
                                                  options: RANSACOptions) -> RANSACResult<Model> {
        let n = correspondences.count, k = Model.minimalSampleSize
        guard n >= k, k > 0 else { return RANSACResult(model: nil, inliers: [Bool](repeating: false, count: n)) }
        var rng = SplitMix64(seed: options.seed)
        var indices = Array(0..<n)
        var bestModel: Model?
        var bestMask = [Bool](repeating: false, count: n)
        var bestCount = -1, bestScore = Double.infinity
        for _ in 0..<options.trials {
            // Partial Fisher–Yates: the first k entries become a uniform sample without replacement.
            for i in 0..<k { indices.swapAt(i, i + rng.nextInt(below: n - i)) }
            let sample = indices[0..<k].map { correspondences[$0] }
            if options.refuseDegenerate, Model.lacksDistinctPoints(sample) { continue }
            guard let model = Model.estimate(from: sample), !options.refuses(model, from: sample) else { continue }
            var mask = [Bool](repeating: false, count: n)
            var count = 0, score = 0.0
            for (i, c) in correspondences.enumerated() {
                let r = model.residual(c)
                if r < options.residualThreshold { mask[i] = true; count += 1; score += r }
            }
            if count > bestCount || (count == bestCount && score < bestScore) {
                bestModel = model; bestMask = mask; bestCount = count; bestScore = score
            }
        }
        if options.refit, bestCount >= max(k, 2) {
            let inlierSet = correspondences.indices.filter { bestMask[$0] }.map { correspondences[$0] }
            if let refined = Model.estimate(from: inlierSet), !options.refuses(refined, from: inlierSet) { bestModel = refined }
        }
        return RANSACResult(model: bestModel, inliers: bestMask)
    }
}
