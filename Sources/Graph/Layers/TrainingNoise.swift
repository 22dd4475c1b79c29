import Tensor

/// One kind of training-time noise (Dropout, SpatialDropout2D, GaussianDropout, GaussianNoise): its
/// Keras facts, its settings, and how it perturbs an input in training and passes the gradient back.
public protocol TrainingNoise {
    static var kerasClassNames: [String] { get }
    static var kerasConfigKeys: Set<String> { get }
    /// Reads and checks the settings.
    init(_ c: LayerConfig) throws
    /// Checks the per-sample input shapes; the output shape is the input's.
    func check(_ inputShapes: [[Int]], layer: String) throws
    /// False when training draws nothing (a rate or deviation of 0).
    var perturbs: Bool { get }
    /// x perturbed by noise drawn from `random`; records what `backward` needs on the tape.
    func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor
    /// The gradient at the input from the output's.
    func backward(_ upstream: Tensor, tape: Tape) -> Tensor
}

extension TrainingNoise {
    public func check(_ inputShapes: [[Int]], layer: String) throws {
        guard inputShapes.count == 1 else { throw LayerError(layer, "expects one input") }
    }
    /// Multiplicative noise: upstream ⊙ the tape's mask; identity when forward recorded none (inference).
    public func backward(_ upstream: Tensor, tape: Tape) -> Tensor { maskedGradient(upstream, tape: tape) }
}

/// The layer of every training-noise kind: the identity at inference, the noise in training.
public final class NoiseLayer<Noise: TrainingNoise>: Layer {
    public static var kerasClassNames: [String] { Noise.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { Noise.kerasConfigKeys }
    public static var supportsMasking: Bool { true }                         // every Keras noise layer passes masks on
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let noise: Noise

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        noise = try Noise(LayerConfig(layer: name, json: config))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        try noise.check(inputShapes, layer: name)
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard context.mode == .training, noise.perturbs else { return inputs[0] }
        return try noise.perturb(inputs[0], random: &context.random, tape: tape, layer: name)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [noise.backward(upstream, tape: tape)])
    }
}

/// A dropout rate from `key` (Keras 1: `p`), in [0, 1).
func dropoutRate(_ c: LayerConfig, keys: [String]) throws -> Float {
    let rate = Float(try c.double(keys.first(where: c.has) ?? keys[0]))
    guard rate >= 0, rate < 1 else { throw LayerError(c.layer, "rate \(rate) must be in [0, 1)") }
    return rate
}

/// Inverted-dropout mask of `shape`: 0 with probability `rate`, else 1/(1 − rate).
func dropoutMask(shape: [Int], rate: Float, random: inout SeededRandom) -> Tensor {
    let keep = 1 / (1 - rate)
    var m = Tensor(zeros: shape)
    m.data.withUnsafeMutableBufferPointer { p in
        for i in p.indices { p[i] = random.uniform() < rate ? 0 : keep }
    }
    return m
}

/// x ⊙ `dropoutMask(shape: x.shape, …)` in one pass (the same draws in the same order, so the same mask and
/// product as `applyMask(x, dropoutMask(…))`), without zero-filling or copying: the mask goes to the tape.
func maskedDropout(_ x: Tensor, rate: Float, random: inout SeededRandom, tape: Tape?) -> Tensor {
    let keep = 1 / (1 - rate), n = x.count
    var rng = random
    var mask = [Float](unsafeUninitializedCapacity: n) { _, made in made = n }
    let y = [Float](unsafeUninitializedCapacity: n) { yp, made in
        mask.withUnsafeMutableBufferPointer { mp in
            x.data.withUnsafeBufferPointer { xp in
                for i in 0..<n {
                    let m: Float = rng.uniform() < rate ? 0 : keep
                    mp[i] = m
                    yp[i] = xp[i] * m
                }
            }
        }
        made = n
    }
    random = rng
    tape?.saved = [Tensor(shape: x.shape, data: mask)]
    return Tensor(shape: x.shape, data: y)
}

/// x ⊙ mask (mask broadcast over its size-1 axes); the full-size mask goes to the tape.
func applyMask(_ x: Tensor, _ mask: Tensor, tape: Tape?) -> Tensor {
    let full = Merge.expand(mask, to: x.shape)
    var y = x
    multiply(&y, by: full)
    tape?.saved = [full]
    return y
}

/// upstream ⊙ the tape's mask; identity when forward ran without one (inference).
func maskedGradient(_ upstream: Tensor, tape: Tape) -> Tensor {
    guard let mask = tape.saved.first else { return upstream }
    var g = upstream
    multiply(&g, by: mask)
    return g
}

/// t ⊙= mask (same size), over both cores on big tensors.
private func multiply(_ t: inout Tensor, by mask: Tensor) {
    t.data.withUnsafeMutableBufferPointer { tp in
        mask.data.withUnsafeBufferPointer { mp in
            guard let tb = tp.baseAddress, let mb = mp.baseAddress else { return }
            parallelRanges(tp.count) { r in for i in r { tb[i] *= mb[i] } }
        }
    }
}

/// Keras 1: `p` (Dropout, GaussianDropout, SpatialDropout2D), `sigma` (GaussianNoise).
extension NoiseLayer: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [("p", "rate"), ("sigma", "stddev")] }
}
