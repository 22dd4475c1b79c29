import Tensor

/// Per-variable optimizer state (Adam's m and v, SGD's momentum, RMSprop's velocity …),
/// plus the step counter. Exported into checkpoints so a resumed run continues bit-exactly.
public struct OptimizerState: Equatable, Sendable {
    /// Updates applied so far (Keras `optimizer.iterations`).
    public var iterations: Int
    /// Slot tensors by variable key (`layer/variable`), in the optimizer's slot order.
    public var slots: [String: [Tensor]]

    public init(iterations: Int = 0, slots: [String: [Tensor]] = [:]) {
        self.iterations = iterations
        self.slots = slots
    }
}

/// A Keras optimizer: `update` applies one variable's step; `finishStep` advances `iterations`
/// once all variables of a batch are updated (Keras increments after `apply_gradients`).
public protocol Optimizer: AnyObject {
    /// Keras class name ("Adam", "SGD", "RMSprop").
    var kind: String { get }
    var schedule: LearningRateSchedule { get set }
    var state: OptimizerState { get set }
    /// Applies one step to `value` given its `gradient`, with the rate of the current step.
    /// `key` names the variable's slots in `state`.
    func update(_ value: inout Tensor, gradient: Tensor, key: String, learningRate: Float)
}

extension Optimizer {
    public var iterations: Int { state.iterations }
    /// The learning rate the next update will use.
    public var currentLearningRate: Float { schedule.rate(at: state.iterations) }

    /// Updates every `(key, value, gradient)` triple with the current step's rate, then counts the step.
    public func step(_ variables: inout [(key: String, value: Tensor, gradient: Tensor)]) {
        let lr = currentLearningRate
        for i in variables.indices {
            update(&variables[i].value, gradient: variables[i].gradient, key: variables[i].key, learningRate: lr)
        }
        state.iterations += 1
    }

    /// Slots of `key`, created as `count` zero tensors shaped like `like` on first use.
    func slots(_ key: String, count: Int, like: Tensor) -> [Tensor] {
        if let s = state.slots[key], s.count == count, s.allSatisfy({ $0.shape == like.shape }) { return s }
        return [Tensor](repeating: Tensor(zeros: like.shape), count: count)
    }
}

/// The optimizers ConvScope trains with, by their `--optimizer` names.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case adam, sgd, rmsprop
}

/// Makes an optimizer from its kind and the usual hyper-parameters.
public enum OptimizerFactory {
    public static func make(_ kind: OptimizerKind, learningRate: Double? = nil, decay: Double = 0,
                            momentum: Double = 0, nesterov: Bool = false) -> any Optimizer {
        switch kind {
        case .adam:
            return Adam(schedule: LearningRateSchedule(learningRate: learningRate ?? 0.001, decay: decay))
        case .sgd:
            return SGD(schedule: LearningRateSchedule(learningRate: learningRate ?? 0.01, decay: decay),
                       momentum: momentum, nesterov: nesterov)
        case .rmsprop:
            return RMSprop(schedule: LearningRateSchedule(learningRate: learningRate ?? 0.001, decay: decay),
                           momentum: momentum)
        }
    }

    /// The optimizer a Keras name (any case) names.
    public static func make(_ name: String, learningRate: Double? = nil, decay: Double = 0,
                            momentum: Double = 0, nesterov: Bool = false) throws -> any Optimizer {
        guard let kind = OptimizerKind(rawValue: name.lowercased()) else {
            throw TrainingError.badArgument("optimizer '\(name)' is not supported (adam, sgd, rmsprop)")
        }
        return make(kind, learningRate: learningRate, decay: decay, momentum: momentum, nesterov: nesterov)
    }
}

/// Runs `body` over the 16-value vectors of 0..<count (the last one shorter), on the threads by contiguous ranges
/// when there is enough to split: an optimizer's elementwise update of one variable, in place. Each value's
/// arithmetic is the scalar formula's (no fused operations), whatever the lane or the split, so the results are
/// the same at any thread count.
func elementwiseVectors(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
    // Whole vectors per range (`parallelRanges` splits whole units), the last one cut at `count`.
    parallelRanges((count + 15) / 16 * 16, unit: 16, minimum: 1 << 15) { r in
        for i in stride(from: r.lowerBound, to: min(r.upperBound, count), by: 16) { body(i, min(16, count - i)) }
    }
}

/// 16 values from `p + i` (`lanes` of them; the others 0 and never stored back).
@inline(__always) func load16(_ p: UnsafePointer<Float>, _ i: Int, _ lanes: Int) -> SIMD16<Float> {
    if lanes == 16 { return UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self) }
    var v = SIMD16<Float>()
    for l in 0..<lanes { v[l] = p[i + l] }
    return v
}

@inline(__always) func load16(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) -> SIMD16<Float> {
    load16(UnsafePointer(p), i, lanes)
}

/// Stores the first `lanes` values of `v` at `p + i`.
@inline(__always) func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) {
    if lanes == 16 { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD16<Float>.self); return }
    for l in 0..<lanes { p[i + l] = v[l] }
}
