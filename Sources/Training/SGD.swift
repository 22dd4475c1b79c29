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
            value.data.withUnsafeMutableBufferPointer { w in
                gradient.data.withUnsafeBufferPointer { g in for i in 0..<w.count { w[i] -= g[i] * lr } }
            }
            return
        }
        var s = slots(key, count: 1, like: value)
        state.slots[key] = nil
        let mu = Float(momentum), nest = nesterov
        s[0].data.withUnsafeMutableBufferPointer { m in
            gradient.data.withUnsafeBufferPointer { g in
                value.data.withUnsafeMutableBufferPointer { w in
                    for i in 0..<w.count {
                        m[i] = m[i] * mu - g[i] * lr
                        w[i] += nest ? m[i] * mu - g[i] * lr : m[i]
                    }
                }
            }
        }
        state.slots[key] = s
    }
}
