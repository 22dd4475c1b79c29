import Graph
import Tensor

/// SmoothGrad (Smilkov et al. 2017) and VarGrad (Adebayo et al. 2018) as issue 18 defines them: the mean
/// (or the variance) over N noisy copies x + ε, ε ~ N(0, σ²), σ = F·(max x − min x), of ∂logit_c/∂x.
extension SaliencyMapper {
    public enum NoiseStatistic: String, Sendable { case mean, variance }

    /// The image's shape; noise drawn element by element, sample after sample, from `SeededRandom(seed)`.
    public func noisyGradients(_ image: Tensor, classIndex c: Int, samples: Int, noise: Float, seed: UInt64,
                               statistic: NoiseStatistic, progress: ((Int) -> Void)? = nil) throws -> Tensor {
        guard samples > 0 else { throw GraphError.badInput("SmoothGrad needs at least one sample, got \(samples)") }
        guard noise >= 0, noise.isFinite else { throw GraphError.badInput("the noise level must be a finite number ≥ 0, got \(noise)") }
        let x = image.data
        let sigma = noise * (image.max - image.min)
        var random = SeededRandom(seed: seed)
        var sum = [Double](repeating: 0, count: x.count), squares = sum
        try forEachGradient(count: samples, itemShape: image.shape, classIndex: c, progress: progress, make: { _, slot in
            for p in 0..<x.count { slot[p] = x[p] + sigma * random.normal() }
        }, consume: { _, g in
            for (p, v) in zip(sum.indices, g) {
                sum[p] += Double(v)
                squares[p] += Double(v) * Double(v)
            }
        })
        let n = Double(samples)
        return Tensor(shape: image.shape, data: (0..<x.count).map { p in
            let mean = sum[p] / n
            return Float(statistic == .mean ? mean : max(squares[p] / n - mean * mean, 0))
        })
    }
}
