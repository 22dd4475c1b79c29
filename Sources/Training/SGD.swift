import Tensor

/// Keras `SGD` (defaults lr 0.01, momentum 0, nesterov false).
///
/// keras/src/optimizers/sgd.py (3.15) and tf_keras/src/optimizers/sgd.py (2.21), dense gradients:
///
///     momentum == 0:  w −= lr · g
///     otherwise:      m = momentum · m − lr · g
///                     nesterov: w += momentum · m − lr · g    else: w += m
public final class SGD: Optimizer {
    public let kind = "SGD"
    public var schedule: LearningRateSchedule
    public var state = OptimizerState()
    public let momentum: Double
    public let nesterov: Bool

    public init(schedule: LearningRateSchedule = .constant(0.01), momentum: Double = 0, nesterov: Bool = false) {
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public func update(_ value: inout Tensor, gradient: Tensor, key: String, learningRate lr: Float) {
        guard momentum != 0 else {
            value.data.withUnsafeMutableBufferPointer { wp in
                gradient.data.withUnsafeBufferPointer { gp in
                    guard let w = wp.baseAddress, let g = gp.baseAddress else { return }
                    elementwiseVectors(wp.count) { i, n in store16(load16(w, i, n) - load16(g, i, n) * lr, w, i, n) }
                }
            }
            return
        }
        var s = slots(key, count: 1, like: value)
        state.slots[key] = nil
        let mu = Float(momentum), nest = nesterov
        s[0].data.withUnsafeMutableBufferPointer { mp in
            gradient.data.withUnsafeBufferPointer { gp in
                value.data.withUnsafeMutableBufferPointer { wp in
                    guard let m = mp.baseAddress, let g = gp.baseAddress, let w = wp.baseAddress else { return }
                    elementwiseVectors(wp.count) { i, n in
                        let gi = load16(g, i, n)
                        var mi = load16(m, i, n), wi = load16(w, i, n)
                        mi = mi * mu - gi * lr
                        wi += nest ? mi * mu - gi * lr : mi
                        store16(mi, m, i, n)
                        store16(wi, w, i, n)
                    }
                }
            }
        }
        state.slots[key] = s
    }
}
