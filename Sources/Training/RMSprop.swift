import Tensor

/// Keras `RMSprop` (Keras 3 defaults: lr 0.001, rho 0.9, momentum 0, epsilon 1e-7, centered false).
///
/// keras/src/optimizers/rmsprop.py (3.15), same in tf_keras/src/optimizers/rmsprop.py (2.21).
/// Epsilon sits *inside* the square root here (unlike Adam):
///
///     v = rho · v + (1 − rho) · g²
///     centered: a = rho · a + (1 − rho) · g;  d = v − a² + eps    else d = v + eps
///     inc = lr · g / sqrt(d)
///     momentum > 0: m = momentum · m + inc; w −= m      else w −= inc
public final class RMSprop: Optimizer {
    public let kind = "RMSprop"
    public var schedule: LearningRateSchedule
    public var state = OptimizerState()
    public let rho: Double
    public let momentum: Double
    public let epsilon: Double
    public let centered: Bool

    public init(schedule: LearningRateSchedule = .constant(0.001), rho: Double = 0.9, momentum: Double = 0,
                epsilon: Double = 1e-7, centered: Bool = false) {
        self.schedule = schedule
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
    }

    public func update(_ value: inout Tensor, gradient: Tensor, key: String, learningRate lr: Float) {
        // Slots: velocity, then momentum (when momentum > 0), then the average gradient (when centered).
        let count = 1 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0)
        var s = slots(key, count: count, like: value)
        state.slots[key] = nil
        let r = Float(rho), c = Float(1 - rho), eps = Float(epsilon), mu = Float(momentum)
        let mi = momentum > 0 ? 1 : -1, ai = centered ? count - 1 : -1
        var m = mi >= 0 ? s[mi] : Tensor(zeros: [0])
        var a = ai >= 0 ? s[ai] : Tensor(zeros: [0])
        s[0].data.withUnsafeMutableBufferPointer { v in
            m.data.withUnsafeMutableBufferPointer { mp in
                a.data.withUnsafeMutableBufferPointer { ap in
                    gradient.data.withUnsafeBufferPointer { g in
                        value.data.withUnsafeMutableBufferPointer { w in
                            for i in 0..<w.count {
                                v[i] = r * v[i] + c * (g[i] * g[i])
                                var d = v[i] + eps
                                if ai >= 0 {
                                    ap[i] = r * ap[i] + c * g[i]
                                    d = v[i] - ap[i] * ap[i] + eps
                                }
                                let inc = lr * g[i] / d.squareRoot()
                                if mi >= 0 { mp[i] = mu * mp[i] + inc; w[i] -= mp[i] } else { w[i] -= inc }
                            }
                        }
                    }
                }
            }
        }
        if mi >= 0 { s[mi] = m }
        if ai >= 0 { s[ai] = a }
        state.slots[key] = s
    }
}
