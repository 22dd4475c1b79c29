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
        let rh = Float(rho), c = Float(1 - rho), eps = Float(epsilon), mu = Float(momentum)
        let mi = momentum > 0 ? 1 : -1, ai = centered ? count - 1 : -1
        var m = mi >= 0 ? s[mi] : Tensor(zeros: [0])
        var a = ai >= 0 ? s[ai] : Tensor(zeros: [0])
        s[0].data.withUnsafeMutableBufferPointer { vp in
            m.data.withUnsafeMutableBufferPointer { mp in
                a.data.withUnsafeMutableBufferPointer { ap in
                    gradient.data.withUnsafeBufferPointer { gp in
                        value.data.withUnsafeMutableBufferPointer { wp in
                            guard let v = vp.baseAddress, let g = gp.baseAddress, let w = wp.baseAddress else { return }
                            let mb = mi >= 0 ? mp.baseAddress : nil, ab = ai >= 0 ? ap.baseAddress : nil
                            elementwiseVectors(wp.count) { i, n in
                                let gi = load16(g, i, n)
                                var vi = load16(v, i, n), wi = load16(w, i, n)
                                vi = rh * vi + c * (gi * gi)
                                var d = vi + eps
                                if let ab {
                                    let avg = rh * load16(ab, i, n) + c * gi
                                    d = vi - avg * avg + eps
                                    store16(avg, ab, i, n)
                                }
                                let inc = lr * gi / d.squareRoot()
                                if let mb {
                                    let mom = mu * load16(mb, i, n) + inc
                                    wi -= mom
                                    store16(mom, mb, i, n)
                                } else {
                                    wi -= inc
                                }
                                store16(vi, v, i, n)
                                store16(wi, w, i, n)
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
