import Foundation
import Tensor

/// Which Keras wrote a config, where one activation name means different functions: `hard_sigmoid` is
/// clip(0.2x + 0.5) in Keras 2 and tf-keras, relu6(x + 3)/6 in Keras 3. KerasIO knows a file's generation
/// and makes its layers under it (`LayerRegistry.make(…, dialect:)`); configs from elsewhere are Keras 3's.
public enum ActivationDialect: Sendable {
    /// Keras 2 and tf-keras.
    case legacy
    case keras3

    /// The dialect of the config being read (set for the duration of `LayerRegistry.make`).
    @TaskLocal public static var current: ActivationDialect = .keras3
}

/// Keras activation functions, used by `Activation` layers and by the `activation`
/// argument of Conv2D, Dense and friends. Forward and backward side by side.
public enum Activation: String, CaseIterable, Sendable {
    case linear, relu, relu6, elu, selu, sigmoid, hardSigmoid = "hard_sigmoid", tanh, softmax
    case softplus, softsign, swish, silu, gelu, exponential
    case hardSilu = "hard_silu", leakyRelu = "leaky_relu", logSoftmax = "log_softmax", mish
    case celu, hardTanh = "hard_tanh", hardShrink = "hard_shrink", softShrink = "soft_shrink", tanhShrink = "tanh_shrink"
    case logSigmoid = "log_sigmoid", sparsePlus = "sparse_plus", sparseSigmoid = "sparse_sigmoid", squareplus, sparsemax
    /// Keras 2 / tf-keras `hard_sigmoid`: clip(0.2x + 0.5, 0, 1). Not a name a config can use: a legacy
    /// file's `hard_sigmoid` becomes this (`ActivationDialect`).
    case hardSigmoidLegacy = "hard_sigmoid (Keras 2, tf-keras)"

    /// Names Keras accepts for another case's function.
    private static let aliases: [String: Activation] = ["hard_swish": .hardSilu]

    /// Parses a config value: a name string, or Keras 3's serialized `{"class_name": …, "config": {"name": …}}` form,
    /// in the dialect of the config being read (`ActivationDialect.current`).
    public init(config value: JSON?, layer: String) throws {
        guard let value, !value.isNull else { self = .linear; return }
        var name = value.stringValue
        if name == nil, let cfg = value["config"] { name = cfg["name"]?.stringValue ?? value["class_name"]?.stringValue }
        guard let raw = name else { throw LayerError(layer, "activation \(value.serialized()) is not understood") }
        guard let a = Activation(rawValue: raw.lowercased()) ?? Self.aliases[raw.lowercased()], a != .hardSigmoidLegacy else {
            throw LayerError(layer, "activation '\(raw)' is not supported")
        }
        self = a == .hardSigmoid && ActivationDialect.current == .legacy ? .hardSigmoidLegacy : a
    }

    /// Whether a backward rule (deconvnet, guided) replaces this activation's gradient.
    public var isRectifier: Bool { self == .relu }

    /// y = f(x) as a new tensor: for `relu` one pass into a fresh buffer (no copy of a shared input first).
    public func applied(to x: Tensor) -> Tensor {
        guard self == .relu else { var y = x; apply(&y); return y }
        var y = Tensor(uninitialized: x.shape)
        y.data.withUnsafeMutableBufferPointer { yp in
            x.data.withUnsafeBufferPointer { xp in
                let yb = yp.baseAddress!, xb = xp.baseAddress!
                parallelRanges(yp.count) { r in for i in r { yb[i] = max(xb[i], 0) } }
            }
        }
        return y
    }

    /// y = f(x), in place. `softmax` is over the last axis, so it needs the tensor's shape.
    public func apply(_ t: inout Tensor) {
        switch self {
        case .linear: return
        case .softmax: Self.softmaxLastAxis(&t); return
        case .logSoftmax: Self.logSoftmax(&t, axis: -1); return
        case .sparsemax: Self.sparsemax(&t); return
        default: break
        }
        if self == .relu {
            // The common case on big feature maps: split over threads.
            t.data.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                parallelRanges(p.count) { r in for i in r { base[i] = max(base[i], 0) } }
            }
            return
        }
        t.data.withUnsafeMutableBufferPointer { p in
            switch self {
            case .relu: for i in p.indices { p[i] = max(p[i], 0) }
            case .relu6: for i in p.indices { p[i] = min(max(p[i], 0), 6) }
            case .elu, .celu: for i in p.indices where p[i] <= 0 { p[i] = expm1f(p[i]) }   // celu(α = 1) is elu
            case .selu:
                let a: Float = 1.6732632423543772, s: Float = 1.0507009873554805
                for i in p.indices { p[i] = p[i] > 0 ? s * p[i] : s * a * expm1f(p[i]) }
            case .sigmoid: for i in p.indices { p[i] = Self.sigmoid(p[i]) }
            case .hardSigmoid: for i in p.indices { p[i] = Self.hardSigmoid(p[i]) }
            case .tanh: for i in p.indices { p[i] = tanhf(p[i]) }
            case .softplus: for i in p.indices { p[i] = Self.softplus(p[i]) }
            case .softsign: for i in p.indices { p[i] = p[i] / (1 + abs(p[i])) }
            case .swish, .silu: for i in p.indices { p[i] = p[i] * Self.sigmoid(p[i]) }
            case .gelu: for i in p.indices { p[i] = Self.gelu(p[i]) }
            case .exponential: for i in p.indices { p[i] = expf(p[i]) }
            case .hardSilu: for i in p.indices { p[i] = p[i] * Self.hardSigmoid(p[i]) }
            case .leakyRelu: for i in p.indices where p[i] < 0 { p[i] *= Self.leakySlope }
            case .mish: for i in p.indices { p[i] = p[i] * tanhf(Self.softplus(p[i])) }
            case .hardTanh: for i in p.indices { p[i] = min(max(p[i], -1), 1) }
            case .hardShrink: for i in p.indices where !(abs(p[i]) > Self.shrinkThreshold) { p[i] = 0 }
            case .softShrink:
                let t = Self.shrinkThreshold
                for i in p.indices { p[i] = p[i] > t ? p[i] - t : (p[i] < -t ? p[i] + t : 0) }
            case .tanhShrink: for i in p.indices { p[i] -= tanhf(p[i]) }
            case .logSigmoid: for i in p.indices { p[i] = -Self.softplus(-p[i]) }
            case .sparsePlus: for i in p.indices { p[i] = p[i] <= -1 ? 0 : (p[i] < 1 ? 0.25 * (p[i] + 1) * (p[i] + 1) : p[i]) }
            case .sparseSigmoid: for i in p.indices { p[i] = p[i] <= -1 ? 0 : (p[i] >= 1 ? 1 : 0.5 * (p[i] + 1)) }
            case .squareplus: for i in p.indices { p[i] = (p[i] + (p[i] * p[i] + Self.squareplusB).squareRoot()) / 2 }
            case .hardSigmoidLegacy: for i in p.indices { p[i] = min(max(0.2 * p[i] + 0.5, 0), 1) }
            case .linear, .softmax, .logSoftmax, .sparsemax: break
            }
        }
    }

    /// dL/dx from dL/dy, given the activation's input x and output y (same shape as upstream).
    /// For `relu` the rule picks plain gradient, DeconvNet (relu of upstream) or guided backprop.
    public func backward(_ upstream: Tensor, input x: Tensor, output y: Tensor, rule: BackwardRule) -> Tensor {
        if self == .linear { return upstream }
        if self == .relu {
            // The common case on big feature maps: split over threads, as the forward is, into a fresh tensor
            // (the upstream is shared with the backward pass' table, so writing it in place would copy it first).
            var g = Tensor(uninitialized: upstream.shape)
            g.data.withUnsafeMutableBufferPointer { gp in
                upstream.data.withUnsafeBufferPointer { up in
                    x.data.withUnsafeBufferPointer { xp in
                        let gb = gp.baseAddress!, ub = up.baseAddress!, xb = xp.baseAddress!
                        parallelRanges(gp.count) { r in
                            switch rule {
                            // Selects rather than branches, so the loops vectorise.
                            case .gradient: for i in r { gb[i] = xb[i] > 0 ? ub[i] : 0 }
                            case .deconvnet: for i in r { gb[i] = max(ub[i], 0) }
                            case .guided: for i in r { let v = ub[i]; gb[i] = xb[i] > 0 && v > 0 ? v : 0 }
                            }
                        }
                    }
                }
            }
            return g
        }
        var g = upstream
        if self == .softmax { Self.softmaxBackward(&g, y: y); return g }
        if self == .logSoftmax { Self.logSoftmaxBackward(&g, y: y); return g }
        if self == .sparsemax { Self.sparsemaxBackward(&g, x: x); return g }
        g.data.withUnsafeMutableBufferPointer { gp in
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeBufferPointer { yp in
                    switch self {
                    case .relu6: for i in gp.indices where !(xp[i] > 0 && xp[i] < 6) { gp[i] = 0 }
                    case .elu, .celu: for i in gp.indices where xp[i] <= 0 { gp[i] *= yp[i] + 1 }
                    case .selu:
                        let a: Float = 1.6732632423543772, s: Float = 1.0507009873554805
                        for i in gp.indices { gp[i] *= xp[i] > 0 ? s : yp[i] + s * a }
                    case .sigmoid: for i in gp.indices { gp[i] *= yp[i] * (1 - yp[i]) }
                    case .hardSigmoid: for i in gp.indices { gp[i] *= (xp[i] > -3 && xp[i] < 3) ? 1 / 6 : 0 }
                    case .tanh: for i in gp.indices { gp[i] *= 1 - yp[i] * yp[i] }
                    case .softplus: for i in gp.indices { gp[i] *= Self.sigmoid(xp[i]) }
                    case .softsign: for i in gp.indices { let d = 1 + abs(xp[i]); gp[i] /= d * d }
                    case .swish, .silu:
                        for i in gp.indices { let s = Self.sigmoid(xp[i]); gp[i] *= s * (1 + xp[i] * (1 - s)) }
                    case .gelu: for i in gp.indices { gp[i] *= Self.geluDerivative(xp[i]) }
                    case .exponential: for i in gp.indices { gp[i] *= yp[i] }
                    case .hardSilu:
                        for i in gp.indices {
                            let inside: Float = (xp[i] > -3 && xp[i] < 3) ? 1 / 6 : 0
                            gp[i] *= Self.hardSigmoid(xp[i]) + xp[i] * inside
                        }
                    case .leakyRelu: for i in gp.indices where !(xp[i] > 0) { gp[i] *= Self.leakySlope }
                    case .mish:
                        for i in gp.indices {
                            let t = tanhf(Self.softplus(xp[i]))
                            gp[i] *= t + xp[i] * (1 - t * t) * Self.sigmoid(xp[i])
                        }
                    case .hardTanh: for i in gp.indices where !(xp[i] > -1 && xp[i] < 1) { gp[i] = 0 }
                    case .hardShrink, .softShrink: for i in gp.indices where !(abs(xp[i]) > Self.shrinkThreshold) { gp[i] = 0 }
                    case .tanhShrink: for i in gp.indices { let t = tanhf(xp[i]); gp[i] *= t * t }
                    case .logSigmoid: for i in gp.indices { gp[i] *= Self.sigmoid(-xp[i]) }
                    case .sparsePlus:
                        for i in gp.indices { gp[i] *= xp[i] <= -1 ? 0 : (xp[i] < 1 ? 0.5 * (xp[i] + 1) : 1) }
                    case .sparseSigmoid: for i in gp.indices { gp[i] *= xp[i] > -1 && xp[i] < 1 ? 0.5 : 0 }
                    case .squareplus:
                        for i in gp.indices { gp[i] *= 0.5 * (1 + xp[i] / (xp[i] * xp[i] + Self.squareplusB).squareRoot()) }
                    case .hardSigmoidLegacy: for i in gp.indices { gp[i] *= xp[i] > -2.5 && xp[i] < 2.5 ? 0.2 : 0 }
                    case .linear, .softmax, .logSoftmax, .sparsemax, .relu: break
                    }
                }
            }
        }
        return g
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + expf(-x)) : { let e = expf(x); return e / (1 + e) }()
    }
    /// Keras 3 hard_sigmoid: relu6(x + 3) / 6. (Keras 2 used clip(0.2x + 0.5); files do not say which.)
    @inline(__always) static func hardSigmoid(_ x: Float) -> Float { min(max(x / 6 + 0.5, 0), 1) }
    @inline(__always) static func softplus(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) }
    /// The `leaky_relu` activation function's default slope (Keras 3 `negative_slope=0.2`; the
    /// LeakyReLU layer has its own, 0.3).
    static let leakySlope: Float = 0.2
    /// `hard_shrink` and `soft_shrink`'s default threshold.
    static let shrinkThreshold: Float = 0.5
    /// `squareplus`'s default b.
    static let squareplusB: Float = 4
    /// Exact gelu (Keras default approximate=False): x · Φ(x).
    @inline(__always) static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x / Float(2).squareRoot())) }
    @inline(__always) static func geluDerivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + erff(x / Float(2).squareRoot()))
        let pdf = expf(-0.5 * x * x) / (2 * Float.pi).squareRoot()
        return cdf + x * pdf
    }

    /// Numerically stable softmax over the last axis.
    public static func softmaxLastAxis(_ t: inout Tensor) { softmax(&t, axis: -1) }

    /// Numerically stable softmax along `axis` (negative counts from the end): exp(x − max) / Σ exp(x − max).
    public static func softmax(_ t: inout Tensor, axis: Int) { normalizeExponentials(&t, axis: axis, log: false) }

    /// y = x − max − log Σ exp(x − max) along `axis`.
    public static func logSoftmax(_ t: inout Tensor, axis: Int) { normalizeExponentials(&t, axis: axis, log: true) }

    /// Softmax (or, with `log`, log-softmax) along `axis`, lane by lane, shifted by each lane's maximum.
    private static func normalizeExponentials(_ t: inout Tensor, axis: Int, log: Bool) {
        let lanes = Lanes(t.shape, axis: axis)
        guard lanes.n > 0 else { return }
        t.data.withUnsafeMutableBufferPointer { p in
            lanes.forEach { at in
                var m = -Float.infinity
                for k in 0..<lanes.n { m = max(m, p[at(k)]) }
                var s: Float = 0
                if log {
                    for k in 0..<lanes.n { s += expf(p[at(k)] - m) }
                    let shift = m + logf(s)
                    for k in 0..<lanes.n { p[at(k)] -= shift }
                } else {
                    for k in 0..<lanes.n { p[at(k)] = expf(p[at(k)] - m); s += p[at(k)] }
                    for k in 0..<lanes.n { p[at(k)] /= s }
                }
            }
        }
    }

    /// Keras' `sparsemax` over the last axis, as all its backends compute it: with z sorted in decreasing
    /// order, cᵣ = Σ_{j≤r} zⱼ, the support k = #{r : 1 + r·zᵣ > cᵣ}, and τ = (Σ_{r≤k} cᵣ − 1)/k, y = max(x − τ, 0).
    /// (Martins & Astudillo's τ is (c_k − 1)/k; Keras 3.15 sums the cumulative sums, so its outputs need not
    /// sum to 1. ConvScope follows Keras' numbers.)
    public static func sparsemax(_ t: inout Tensor) {
        let lanes = Lanes(t.shape, axis: -1)
        t.data.withUnsafeMutableBufferPointer { p in
            lanes.forEach { at in
                let tau = sparsemaxThreshold((0..<lanes.n).map { p[at($0)] }).tau
                for k in 0..<lanes.n { p[at(k)] = max(p[at(k)] - tau, 0) }
            }
        }
    }

    /// τ of a lane, and each value's weight in τ: ∂τ/∂xᵢ = #{r in the support : r ≥ rᵢ}/k, rᵢ its rank.
    static func sparsemaxThreshold(_ x: [Float]) -> (tau: Float, weights: [Float]) {
        let order = x.indices.sorted { x[$0] > x[$1] }
        var c: Float = 0, sumC: Float = 0
        var inSupport = [Bool](repeating: false, count: x.count)             // by rank
        for (r, i) in order.enumerated() {
            c += x[i]
            if 1 + Float(r + 1) * x[i] > c { inSupport[r] = true; sumC += c }
        }
        let k = inSupport.filter { $0 }.count
        var weights = [Float](repeating: 0, count: x.count), later = 0
        for r in order.indices.reversed() {
            if inSupport[r] { later += 1 }
            weights[order[r]] = Float(later) / Float(max(k, 1))
        }
        return ((sumC - 1) / Float(max(k, 1)), weights)
    }

    /// dx = g·[y > 0] − ∂τ/∂x · Σ_{y > 0} g per lane, x the sparsemax's input.
    static func sparsemaxBackward(_ g: inout Tensor, x: Tensor) {
        let lanes = Lanes(g.shape, axis: -1)
        g.data.withUnsafeMutableBufferPointer { gp in
            x.data.withUnsafeBufferPointer { xp in
                lanes.forEach { at in
                    let (tau, weights) = sparsemaxThreshold((0..<lanes.n).map { xp[at($0)] })
                    var s: Float = 0                                           // Σ g over the positive outputs
                    for k in 0..<lanes.n where xp[at(k)] > tau { s += gp[at(k)] }
                    for k in 0..<lanes.n { gp[at(k)] = (xp[at(k)] > tau ? gp[at(k)] : 0) - weights[k] * s }
                }
            }
        }
    }

    /// Softmax backward along `axis`, y the softmax: dx = y ⊙ (g − Σ g⊙y) per lane.
    public static func softmaxBackward(_ g: inout Tensor, y: Tensor, axis: Int = -1) {
        normalizedExponentialsBackward(&g, y: y, axis: axis, log: false)
    }

    /// Log-softmax backward along `axis`, y the log-softmax: dx = g − exp(y) · Σ g per lane.
    public static func logSoftmaxBackward(_ g: inout Tensor, y: Tensor, axis: Int = -1) {
        normalizedExponentialsBackward(&g, y: y, axis: axis, log: true)
    }

    private static func normalizedExponentialsBackward(_ g: inout Tensor, y: Tensor, axis: Int, log: Bool) {
        let lanes = Lanes(g.shape, axis: axis)
        g.data.withUnsafeMutableBufferPointer { gp in
            y.data.withUnsafeBufferPointer { yp in
                lanes.forEach { at in
                    var s: Float = 0                                           // Σ g (log) or Σ g⊙y
                    for k in 0..<lanes.n { s += log ? gp[at(k)] : gp[at(k)] * yp[at(k)] }
                    for k in 0..<lanes.n {
                        gp[at(k)] = log ? gp[at(k)] - expf(yp[at(k)]) * s : yp[at(k)] * (gp[at(k)] - s)
                    }
                }
            }
        }
    }
}

/// The lanes of a row-major tensor along one axis: `outer` blocks, each with `inner` lanes of `n`
/// values `inner` apart (the last axis: lanes are rows, inner = 1).
struct Lanes {
    let outer: Int, n: Int, inner: Int

    /// `axis` must lie in the shape (negative counts from the end); a scalar is one lane of one value.
    init(_ shape: [Int], axis: Int) {
        guard !shape.isEmpty else { (outer, n, inner) = (1, 1, 1); return }
        let a = axis < 0 ? shape.count + axis : axis
        outer = shape[..<a].reduce(1, *)
        n = shape[a]
        inner = shape[(a + 1)...].reduce(1, *)
    }

    /// Calls `body` once per lane with the flat index of the lane's k-th value.
    @inline(__always)
    func forEach(_ body: (_ at: (Int) -> Int) -> Void) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i, step = inner
                body { base + $0 * step }
            }
        }
    }
}
