import Graph
import Tensor

/// Integrated Gradients (Sundararajan, Taly & Yan 2017) as issue 18 defines it: the attribution
/// (x − x₀) · (1/N) Σ_{k=1..N} ∂logit_c/∂x at x₀ + (k/N)(x − x₀) — a right Riemann sum over the straight path
/// from the baseline x₀ to the image, of the pre-softmax score's gradient.
public enum IntegratedGradientsBaseline: String, CaseIterable, Sendable {
    /// x₀ = 0 in the model's input space.
    case zeros
    /// x₀ uniform in [min x, max x] per element, from the seeded generator.
    case uniform

    /// The baseline for `image`, (1, H, W, C) like it.
    public func tensor(like image: Tensor, seed: UInt64) -> Tensor {
        switch self {
        case .zeros: return Tensor(zeros: image.shape)
        case .uniform:
            var random = SeededRandom(seed: seed)
            let (lo, hi) = (image.min, image.max)
            return Tensor(shape: image.shape, data: (0..<image.count).map { _ in lo + (hi - lo) * random.uniform() })
        }
    }
}

extension SaliencyMapper {
    /// Integrated Gradients of class `c` from `baseline` in `steps` steps, the image's shape; the interpolated
    /// images go through in batches.
    public func integratedGradients(_ image: Tensor, baseline: Tensor, classIndex c: Int, steps: Int,
                                    batchSize: Int = SaliencyMapper.gradientBatchSize, progress: ((Int) -> Void)? = nil) throws -> Tensor {
        guard steps > 0 else { throw GraphError.badInput("Integrated Gradients needs at least one step, got \(steps)") }
        guard baseline.shape == image.shape else { throw GraphError.badInput("the baseline has shape \(baseline.shape), the image \(image.shape)") }
        let (x, x0) = (image.data, baseline.data)
        var sum = [Double](repeating: 0, count: x.count)
        try forEachGradient(count: steps, itemShape: image.shape, classIndex: c, batchSize: batchSize, progress: progress, make: { k, slot in
            let alpha = Float(k + 1) / Float(steps)                                 // right Riemann sum: k = 1 … N
            for p in 0..<x.count { slot[p] = x0[p] + alpha * (x[p] - x0[p]) }
        }, consume: { _, g in
            for (p, v) in zip(sum.indices, g) { sum[p] += Double(v) }
        })
        return Tensor(shape: image.shape, data: (0..<x.count).map { Float(Double(x[$0] - x0[$0]) * sum[$0] / Double(steps)) })
    }
}
