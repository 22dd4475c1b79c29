/// The learning rate an optimizer uses at a given step (`iterations` before the update).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    /// A fixed rate.
    case constant(Double)
    /// Keras 2's legacy `decay` argument: lr_t = lr / (1 + decay · iterations), with iterations
    /// counted before the update (tf_keras/src/optimizers/legacy/optimizer_v2.py::_decayed_lr).
    /// Equals Keras 3's `InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`.
    case legacyDecay(initial: Double, decay: Double)

    public init(learningRate: Double, decay: Double = 0) {
        self = decay > 0 ? .legacyDecay(initial: learningRate, decay: decay) : .constant(learningRate)
    }

    /// The rate at `step`, computed in float32 as Keras does on float32 variables.
    public func rate(at step: Int) -> Float {
        switch self {
        case .constant(let lr): return Float(lr)
        case .legacyDecay(let lr, let decay): return Float(lr) / (1 + Float(decay) * Float(step))
        }
    }

    public var initial: Double {
        switch self {
        case .constant(let lr), .legacyDecay(let lr, _): return lr
        }
    }
}
