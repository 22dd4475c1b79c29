import Foundation
import Tensor

/// Keras `Adam` (defaults lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7).
///
/// Verified identical in keras/src/optimizers/adam.py (3.15) and tf_keras/src/optimizers/adam.py
/// (2.21, `adaptive_epsilon=False`), and the legacy TF kernel: epsilon is added *outside* the square
/// root and the bias correction is folded into the step size:
///
///     t = iterations + 1
///     alpha = lr · sqrt(1 − beta_2^t) / (1 − beta_1^t)
///     m += (g − m) · (1 − beta_1)
///     v += (g² − v) · (1 − beta_2)
///     w −= (m · alpha) / (sqrt(v) + epsilon)
///
/// All in float32, in this operation order, so results match to rounding.
public final class Adam: Optimizer {
    public let kind = "Adam"
    public var schedule: LearningRateSchedule
    public var state = OptimizerState()
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double

    public init(schedule: LearningRateSchedule = .constant(0.001), beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func update(_ value: inout Tensor, gradient: Tensor, key: String, learningRate: Float) {
        let s = slots(key, count: 2, like: value)
        state.slots[key] = nil                          // keep the slot buffers uniquely referenced
        var mt = s[0], vt = s[1]
        let t = Float(state.iterations + 1)
        let b1p = powf(Float(beta1), t), b2p = powf(Float(beta2), t)
        let alpha = learningRate * (1 - b2p).squareRoot() / (1 - b1p)
        let c1 = Float(1 - beta1), c2 = Float(1 - beta2), eps = Float(epsilon)
        mt.data.withUnsafeMutableBufferPointer { mp in
            vt.data.withUnsafeMutableBufferPointer { vp in
                gradient.data.withUnsafeBufferPointer { gp in
                    value.data.withUnsafeMutableBufferPointer { wp in
                        guard let m = mp.baseAddress, let v = vp.baseAddress, let g = gp.baseAddress, let w = wp.baseAddress else { return }
                        // In place, 16 values at a time over the threads.
                        elementwiseVectors(wp.count) { i, n in
                            let gi = load16(g, i, n)
                            var mi = load16(m, i, n), vi = load16(v, i, n), wi = load16(w, i, n)
                            mi += (gi - mi) * c1
                            vi += (gi * gi - vi) * c2
                            wi -= (mi * alpha) / (vi.squareRoot() + eps)
                            store16(mi, m, i, n)
                            store16(vi, v, i, n)
                            store16(wi, w, i, n)
                        }
                    }
                }
            }
        }
        state.slots[key] = [mt, vt]
    }
}
