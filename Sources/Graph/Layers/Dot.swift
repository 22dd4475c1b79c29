import Foundation
import Tensor

/// Keras `Dot`: per sample, the dot product of two inputs along `axes` (one int for both, or a pair;
/// the batch is axis 0), as Keras' `batch_dot`: the output holds x's other axes, then y's, and is
/// (batch, 1) when both inputs are vectors. With `normalize`, each input is first scaled to unit L2
/// norm along its axis (x·min(1/‖x‖, 10⁷), Keras 3's `normalize`).
/// Backward: dX = g·Yᵀ, dY = Xᵀ·g per sample, then through the normalization: s·(d − x̂·Σ d·x̂).
public final class Dot: Layer {
    public static let kerasClassNames = ["Dot"]
    public static let kerasConfigKeys: Set<String> = ["axes", "normalize"]
    public static func keras3VariableNames(config: JSON) -> [String] { [] }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let normalize: Bool
    /// The summed axis of each input, per sample (0-based, without the batch).
    private var axes: [Int] = []
    static let maximumScale: Float = 1e7

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        normalize = try LayerConfig(layer: name, json: config).bool("normalize", default: false)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 2 else { throw LayerError(name, "expects two inputs, got \(inputShapes.count)") }
        let raw: [Int]
        if let i = config["axes"]?.intValue { raw = [i, i] } else if let a = config["axes"]?.arrayValue, a.count == 2,
                  let a0 = a[0].intValue, let a1 = a[1].intValue { raw = [a0, a1] } else {
            throw LayerError(name, "axes \(config["axes"]?.serialized() ?? "null") must be an integer or two integers")
        }
        axes = try (0..<2).map { k in
            let rank = inputShapes[k].count + 1                                // with the batch
            let a = raw[k] < 0 ? ((raw[k] % rank) + rank) % rank : raw[k]
            guard a >= 1 && a < rank else { throw LayerError(name, "axis \(raw[k]) is not a per-sample axis of input \(k) \(inputShapes[k])") }
            return a - 1
        }
        guard inputShapes[0][axes[0]] == inputShapes[1][axes[1]] else {
            throw LayerError(name, "inputs \(inputShapes[0]) and \(inputShapes[1]) differ along axes \(raw)")
        }
        var out = inputShapes[0]
        out.remove(at: axes[0])
        var rest = inputShapes[1]
        rest.remove(at: axes[1])
        out += rest
        return out.isEmpty ? [1] : out
    }

    /// Per-sample offsets of an input of per-sample `shape`: of each position of the other axes (row-major),
    /// and of each step along `axis`.
    private static func offsets(_ shape: [Int], axis: Int) -> (other: [Int], along: [Int]) {
        var strides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        var other = [0]
        for a in shape.indices where a != axis {
            other = other.flatMap { base in (0..<shape[a]).map { base + $0 * strides[a] } }
        }
        return (other, (0..<shape[axis]).map { $0 * strides[axis] })
    }

    /// x scaled to unit norm along the summed axis (when `normalize`), and the scale of each vector.
    private func normalized(_ x: Tensor, axis: Int) -> (Tensor, [Float]) {
        guard normalize else { return (x, []) }
        let (other, along) = Self.offsets(Array(x.shape.dropFirst()), axis: axis)
        let per = x.count / max(x.shape[0], 1)
        var y = x, scales: [Float] = []
        for b in 0..<x.shape[0] {
            for o in other {
                var s: Double = 0
                for a in along { let v = Double(x.data[b * per + o + a]); s += v * v }
                let scale = min(Float(1 / s.squareRoot()), Self.maximumScale)
                for a in along { y.data[b * per + o + a] *= scale }
                scales.append(scale)
            }
        }
        return (y, scales)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let (x, _) = normalized(inputs[0], axis: axes[0]), (y, _) = normalized(inputs[1], axis: axes[1])
        let n = x.shape[0]
        let (xo, xa) = Self.offsets(Array(x.shape.dropFirst()), axis: axes[0])  // X as (N, M, K)
        let (yo, ya) = Self.offsets(Array(y.shape.dropFirst()), axis: axes[1])  // Y as (N, K, P)
        let xs = x.count / n, ys = y.count / n, m = xo.count, p = yo.count
        var out = Tensor(zeros: [n] + (try build(inputShapes: [Array(x.shape.dropFirst()), Array(y.shape.dropFirst())])))
        for b in 0..<n {                                                      // out (N, M·P)
            for i in 0..<m {
                for j in 0..<p {
                    var s: Float = 0
                    for k in xa.indices { s += x.data[b * xs + xo[i] + xa[k]] * y.data[b * ys + yo[j] + ya[k]] }
                    out.data[(b * m + i) * p + j] = s
                }
            }
        }
        if let tape { tape.saved = [x, y] }
        return out
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.saved[0], y = tape.saved[1]                              // normalized when asked
        let n = x.shape[0]
        let (xo, xa) = Self.offsets(Array(x.shape.dropFirst()), axis: axes[0])
        let (yo, ya) = Self.offsets(Array(y.shape.dropFirst()), axis: axes[1])
        let xs = x.count / n, ys = y.count / n, m = xo.count, p = yo.count
        var dx = Tensor(zeros: x.shape), dy = Tensor(zeros: y.shape)
        for b in 0..<n {
            for i in 0..<m {
                for j in 0..<p {
                    let g = upstream.data[(b * m + i) * p + j]
                    for k in xa.indices {
                        let xi = b * xs + xo[i] + xa[k], yi = b * ys + yo[j] + ya[k]
                        dx.data[xi] += g * y.data[yi]
                        dy.data[yi] += g * x.data[xi]
                    }
                }
            }
        }
        return LayerGradients(inputs: [unnormalize(dx, normalized: x, raw: tape.inputs[0], axis: axes[0]),
                                       unnormalize(dy, normalized: y, raw: tape.inputs[1], axis: axes[1])])
    }

    /// The gradient at the raw input from the gradient d at its normalized form x̂ = x·s:
    /// s·(d − x̂·Σ d·x̂) per vector, s·d where s is capped.
    private func unnormalize(_ d: Tensor, normalized xh: Tensor, raw: Tensor, axis: Int) -> Tensor {
        guard normalize else { return d }
        let scales = normalized(raw, axis: axis).1
        let (other, along) = Self.offsets(Array(d.shape.dropFirst()), axis: axis)
        let per = d.count / max(d.shape[0], 1)
        var g = d, v = 0
        for b in 0..<d.shape[0] {
            for o in other {
                let s = scales[v]
                v += 1
                var dot: Float = 0
                for a in along { dot += d.data[b * per + o + a] * xh.data[b * per + o + a] }
                let capped = !(s < Self.maximumScale)
                for a in along {
                    let i = b * per + o + a
                    g.data[i] = capped ? s * d.data[i] : s * (d.data[i] - xh.data[i] * dot)
                }
            }
        }
        return g
    }
}
