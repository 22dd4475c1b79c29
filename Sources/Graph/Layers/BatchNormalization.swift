import Foundation
import Tensor

/// Keras `BatchNormalization` over one axis (`axis`, default −1: the channels; 1 for channels_first).
///
/// Inference: y = (x − moving_mean) / √(moving_variance + ε) · γ + β.
/// Training (`context.mode == .training`): normalises with the batch mean and biased batch variance,
/// and updates the moving statistics in place as Keras 3 does:
/// moving = moving · momentum + batch · (1 − momentum), with the *biased* batch variance.
/// Weights: gamma (if `scale`), beta (if `center`), moving_mean, moving_variance (not trainable).
public final class BatchNormalization: Layer {
    public static let kerasClassNames = ["BatchNormalization"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = [
        "axis", "beta_constraint", "beta_initializer", "beta_regularizer", "center", "epsilon", "gamma_constraint",
        "gamma_initializer", "gamma_regularizer", "momentum", "moving_mean_initializer", "moving_variance_initializer",
        "renorm", "renorm_clipping", "renorm_momentum", "scale", "synchronized", "fused", "virtual_batch_size",
        "adjustment",
    ]
    public static let role = LayerRole.normalization

    public static func keras3VariableNames(config: JSON) -> [String] {
        (config["scale"]?.boolValue ?? true ? ["gamma"] : []) + (config["center"]?.boolValue ?? true ? ["beta"] : [])
            + ["moving_mean", "moving_variance"]
    }

    /// tf-keras writes the axis as a list ([3]); Keras 3 takes one int.
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        var c = config
        if let a = c["axis"]?.arrayValue, a.count == 1 { c["axis"] = a[0] }
        return c
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let axis: Int
    let epsilon: Float
    let momentum: Float
    let scale: Bool
    let center: Bool
    private var channels = 0
    /// The normalized axis, batch included (1 … rank − 1).
    private var channelAxis = 0

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        // Keras 2 files may store the axis as a one-element list.
        if let list = config["axis"]?.arrayValue {
            guard list.count == 1, let a = list[0].intValue else {
                throw LayerError(name, "axis \(config["axis"]!.serialized()) is not supported (one axis only)")
            }
            axis = a
        } else {
            axis = try c.int("axis", default: -1)
        }
        epsilon = Float(try c.double("epsilon", default: 1e-3))
        momentum = Float(try c.double("momentum", default: 0.99))
        scale = try c.bool("scale", default: true)
        center = try c.bool("center", default: true)
        if try c.bool("renorm", default: false) { throw LayerError(name, "batch renormalization (renorm=true) is not supported") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input, got \(inputShapes.count)") }
        let rank = inputShapes[0].count + 1                        // Keras counts the batch axis
        let a = axis < 0 ? axis + rank : axis
        guard a >= 1 && a < rank, inputShapes[0][a - 1] > 0 else {
            throw LayerError(name, "axis \(axis) is not a per-sample axis of known size of this \(rank)-D input \(inputShapes[0])")
        }
        let c = inputShapes[0][a - 1]
        channelAxis = a
        channels = c
        weights = []
        if scale { weights.append(try WeightVariable(name: "gamma", shape: [c])) }
        if center { weights.append(try WeightVariable(name: "beta", shape: [c])) }
        weights.append(try WeightVariable(name: "moving_mean", shape: [c], trainable: false))
        weights.append(try WeightVariable(name: "moving_variance", shape: [c], trainable: false))
        if scale { weights[0].value = Tensor(repeating: 1, shape: [c]) }
        weights[weights.count - 1].value = Tensor(repeating: 1, shape: [c])
        return inputShapes[0]
    }

    private var gammaIndex: Int? { scale ? 0 : nil }
    private var betaIndex: Int? { center ? (scale ? 1 : 0) : nil }
    private var meanIndex: Int { (scale ? 1 : 0) + (center ? 1 : 0) }

    private func vector(_ index: Int?, default value: Float) -> [Float] {
        guard let index else { return [Float](repeating: value, count: channels) }
        return weights[index].value.data
    }

    /// The input as blocks of `inner` consecutive values of one channel: block b holds channel b % C.
    private func blocks(_ shape: [Int]) throws -> (count: Int, inner: Int) {
        guard shape.count > channelAxis, shape[channelAxis] == channels else {
            throw LayerError(name, "input \(shape) does not have \(channels) channels on axis \(channelAxis)")
        }
        let lanes = Lanes(shape, axis: channelAxis)
        return (lanes.outer * channels, lanes.inner)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                      // (N, …, C, …), shape kept
        let c = channels
        let (blocks, inner) = try blocks(x.shape)
        let training = context.mode == .training
        var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
        if training {
            let rows = x.count / max(c, 1)                                     // values per channel
            guard rows > 0 else { throw LayerError(name, "training-mode batch statistics need a non-empty batch") }
            // Two passes in Double (the mean, then the squared deviations from it), over both cores.
            var s: [Double] = [], s2: [Double] = []
            x.data.withUnsafeBufferPointer { xp in
                let xb = xp.baseAddress!
                s = channelSums(blocks: blocks, inner: inner) { j in (Double(xb[j]), 0) }.0
                for k in 0..<c { s[k] /= Double(rows) }
                s.withUnsafeBufferPointer { mp in
                    let mb = mp.baseAddress!
                    s2 = channelSums(blocks: blocks, inner: inner) { j, k in let d = Double(xb[j]) - mb[k]; return (d * d, 0) }.0
                }
            }
            for k in 0..<c { mean[k] = Float(s[k]); variance[k] = Float(s2[k] / Double(rows)) }   // biased variance
            let m = meanIndex
            for k in 0..<c {
                weights[m].value.data[k] = weights[m].value.data[k] * momentum + mean[k] * (1 - momentum)
                weights[m + 1].value.data[k] = weights[m + 1].value.data[k] * momentum + variance[k] * (1 - momentum)
            }
        } else {
            mean = weights[meanIndex].value.data
            variance = weights[meanIndex + 1].value.data
        }
        let gamma = vector(gammaIndex, default: 1), beta = vector(betaIndex, default: 0)
        let invStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        var y = Tensor(uninitialized: x.shape)                                // every value written below
        // x̂ is kept for a training backward; at inference the backward needs it only for weight gradients and
        // recomputes it then from the recorded input (`normalizedInput`), so attribution passes skip the writes.
        let record = tape != nil && training
        var xhat = Tensor(uninitialized: record ? x.shape : [0])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                xhat.data.withUnsafeMutableBufferPointer { hp in
                    mean.withUnsafeBufferPointer { mp in
                        invStd.withUnsafeBufferPointer { sp in
                            gamma.withUnsafeBufferPointer { gp in
                                beta.withUnsafeBufferPointer { bp in
                                    let xb = xp.baseAddress!, yb = yp.baseAddress!, hb = hp.baseAddress
                                    parallelRanges(x.count, unit: max(inner, 1)) { range in   // whole blocks per worker
                                        var k = (range.lowerBound / max(inner, 1)) % c
                                        var i = range.lowerBound
                                        while i < range.upperBound {                   // one block of channel k
                                            let end = i + inner, m = mp[k], s = sp[k], g = gp[k], o = bp[k]
                                            if record {
                                                for j in i..<end { let h = (xb[j] - m) * s; hb![j] = h; yb[j] = h * g + o }
                                            } else {
                                                for j in i..<end { yb[j] = (xb[j] - m) * s * g + o }
                                            }
                                            i = end
                                            k += 1
                                            if k == c { k = 0 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let tape {
            tape.saved = [xhat, Tensor(shape: [c], data: invStd), Tensor(shape: [c], data: mean)]
            tape.indices = [training ? 1 : 0]
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let c = channels
        let invStd = tape.saved[1].data
        let training = tape.indices.first == 1
        let (blocks, inner) = try blocks(upstream.shape)
        let gamma = vector(gammaIndex, default: 1)
        // Per-channel Σ g and Σ g·x̂, in Double: only training and the weight gradients need them.
        let needSums = training || weightGradients
        let xhat = training || !needSums ? tape.saved[0] : normalizedInput(tape, blocks: blocks, inner: inner)
        let (sumG, sumGH) = needSums ? channelSums(upstream, xhat, blocks: blocks, inner: inner) : ([], [])
        var dx = Tensor(uninitialized: upstream.shape)                         // (N, …, C, …), every value written
        let m = Double(upstream.count / max(c, 1))                             // values per channel
        // Training: dx = γ/σ · (g − mean(g) − x̂ · mean(g·x̂)); inference: dx = γ/σ · g.
        let factor = (0..<c).map { gamma[$0] * invStd[$0] }
        let meanG = training ? sumG.map { Float($0 / m) } : [], meanGH = training ? sumGH.map { Float($0 / m) } : []
        upstream.data.withUnsafeBufferPointer { up in
            xhat.data.withUnsafeBufferPointer { hp in
                dx.data.withUnsafeMutableBufferPointer { dp in
                    let ub = up.baseAddress!, db = dp.baseAddress!, hb = hp.baseAddress
                    parallelRanges(upstream.count, unit: max(inner, 1)) { range in   // whole blocks per worker
                        var k = (range.lowerBound / max(inner, 1)) % c
                        var i = range.lowerBound
                        while i < range.upperBound {                           // one block of channel k
                            let end = i + inner, s = factor[k]
                            if training {
                                let mg = meanG[k], mgh = meanGH[k]
                                for j in i..<end { db[j] = s * (ub[j] - mg - hb![j] * mgh) }
                            } else {
                                for j in i..<end { db[j] = s * ub[j] }
                            }
                            i = end
                            k += 1
                            if k == c { k = 0 }
                        }
                    }
                }
            }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var grads: [Tensor] = []
        if scale { grads.append(Tensor(shape: [c], data: sumGH.map { Float($0) })) }
        if center { grads.append(Tensor(shape: [c], data: sumG.map { Float($0) })) }
        if training {
            // The output does not depend on the moving statistics while training.
            grads += [Tensor(zeros: [c]), Tensor(zeros: [c])]
        } else {
            // ∂y/∂μ = −γ/σ;  ∂y/∂v = −½ γ (x − μ) / σ³ = −½ γ x̂ / σ².
            grads.append(Tensor(shape: [c], data: (0..<c).map { Float(-sumG[$0]) * gamma[$0] * invStd[$0] }))
            grads.append(Tensor(shape: [c], data: (0..<c).map {
                Float(-0.5 * sumGH[$0]) * gamma[$0] * invStd[$0] * invStd[$0]
            }))
        }
        return LayerGradients(inputs: [dx], weights: grads)
    }

    /// x̂ = (x − mean) · invStd of the recorded input with the forward's mean and 1/σ (an inference pass' tape).
    private func normalizedInput(_ tape: Tape, blocks: Int, inner: Int) -> Tensor {
        let x = tape.inputs[0], invStd = tape.saved[1].data, mean = tape.saved[2].data, c = channels
        var h = Tensor(uninitialized: x.shape)                                 // every value written
        x.data.withUnsafeBufferPointer { xp in
            h.data.withUnsafeMutableBufferPointer { hp in
                let xb = xp.baseAddress!, hb = hp.baseAddress!
                parallelRanges(x.count, unit: max(inner, 1)) { range in          // whole blocks per worker
                    var k = (range.lowerBound / max(inner, 1)) % c
                    for b in stride(from: range.lowerBound, to: range.upperBound, by: max(inner, 1)) {
                        let m = mean[k], s = invStd[k]
                        for j in b..<(b + inner) { hb[j] = (xb[j] - m) * s }
                        k += 1
                        if k == c { k = 0 }
                    }
                }
            }
        }
        return h
    }

    /// Per-channel Σ g and Σ g·x̂ in Double over `blocks` blocks of `inner` values (block b holds channel b % C).
    private func channelSums(_ g: Tensor, _ h: Tensor, blocks: Int, inner: Int) -> ([Double], [Double]) {
        g.data.withUnsafeBufferPointer { up in
            h.data.withUnsafeBufferPointer { hp in
                let ub = up.baseAddress!, hb = hp.baseAddress!
                return channelSums(blocks: blocks, inner: inner) { j in let v = Double(ub[j]); return (v, v * Double(hb[j])) }
            }
        }
    }

    /// Per-channel sums of the two terms `term(j)` over every value j, blocks of `inner` values (block b holds channel b % C).
    /// Eight fixed chunks of blocks sum apart (in parallel when the work pays) and add in chunk order, so the
    /// result does not depend on the thread count.
    private func channelSums(blocks: Int, inner: Int, _ term: (Int) -> (Double, Double)) -> ([Double], [Double]) {
        channelSums(blocks: blocks, inner: inner) { j, _ in term(j) }
    }

    /// `channelSums` whose terms also see their channel k. Channels last (`inner` 1) adds whole rows of C values at a time.
    private func channelSums(blocks: Int, inner: Int, _ term: (Int, Int) -> (Double, Double)) -> ([Double], [Double]) {
        let c = channels, chunks = min(8, max(blocks / max(c, 1), 1))
        let perChunk = (blocks / c + chunks - 1) / chunks * c                 // whole rows of C blocks
        var parts = [Double](repeating: 0, count: 2 * c * chunks)             // chunk q: first sums at q·2C, second at q·2C + C
        parts.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress!
            parallelFor(chunks, minPerThread: blocks * inner >= 1 << 15 ? 1 : chunks) { q in
                let lo = q * perChunk, hi = q == chunks - 1 ? blocks : min(blocks, lo + perChunk)
                guard lo < hi else { return }
                let s1 = pb + q * 2 * c, s2 = s1 + c
                if inner == 1 && lo % c == 0 && hi % c == 0 {
                    for row in stride(from: lo, to: hi, by: c) {
                        for k in 0..<c { let (a, b) = term(row + k, k); s1[k] += a; s2[k] += b }
                    }
                    return
                }
                var k = lo % c
                for b in lo..<hi {
                    var a = 0.0, a2 = 0.0
                    for j in b * inner..<(b + 1) * inner {
                        let (t1, t2) = term(j, k)
                        a += t1
                        a2 += t2
                    }
                    s1[k] += a
                    s2[k] += a2
                    k += 1
                    if k == c { k = 0 }
                }
            }
        }
        var sum1 = [Double](repeating: 0, count: c), sum2 = [Double](repeating: 0, count: c)
        for q in 0..<chunks {
            for k in 0..<c { sum1[k] += parts[q * 2 * c + k]; sum2[k] += parts[q * 2 * c + c + k] }
        }
        return (sum1, sum2)
    }
}

/// Keras 1: `mode` 0 (feature-wise, what Keras 2 kept); its `running_std` variable holds the moving variance
/// (Keras 1.2), stored in the same place as Keras 2's.
extension BatchNormalization: Keras1Convertible {
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        var c = config
        if let mode = c["mode"] {
            guard mode.intValue == 0 else { throw LayerError(layer, "Keras 1 mode \(mode.serialized()) is not supported (0: feature-wise)") }
            c["mode"] = nil
        }
        return c
    }
}

/// At inference, a per-channel affine map: folded into the preceding convolution by `InferencePlan`.
extension BatchNormalization: EpilogueFusible {
    func epilogueStep(inputShape: [Int]) -> EpilogueStep? {
        guard channelAxis == inputShape.count, channels == inputShape.last else { return nil }
        let gamma = vector(gammaIndex, default: 1), beta = vector(betaIndex, default: 0)
        let mean = weights[meanIndex].value.data, variance = weights[meanIndex + 1].value.data
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        return .channelAffine(scale: scale, shift: (0..<channels).map { beta[$0] - mean[$0] * scale[$0] })
    }
}
