import Foundation
import Tensor

/// How a normalization layer (LayerNormalization, GroupNormalization, UnitNormalization) groups a
/// tensor's elements: each element belongs to one statistics group (its mean and variance, or its
/// norm, are taken over the group) and reads one γ/β entry. Shared forward and backward of
/// standardizing per group and of the per-entry affine map, side by side.
struct NormalizationGroups {
    /// Statistics group of each element (row-major), and how many groups.
    let group: [Int]
    let groupCount: Int
    /// γ/β entry of each element, and how many entries.
    let parameter: [Int]
    let parameterCount: Int

    /// Elements of `shape` grouped by the axes outside `reduced` (statistics), and indexed over the
    /// axes of `parameterAxes` (γ/β); `groupOf` may coarsen the statistics groups (channels into groups).
    init(shape: [Int], reduced: [Int], parameterAxes: [Int], groupOf: ((Int) -> Int)? = nil, groupCount: Int? = nil) {
        let kept = (0..<shape.count).filter { !reduced.contains($0) }
        let (g, gc) = Self.index(shape, keeping: kept)
        if let groupOf, let groupCount {
            group = g.map(groupOf)
            self.groupCount = groupCount
        } else {
            group = g
            self.groupCount = gc
        }
        (parameter, parameterCount) = Self.index(shape, keeping: parameterAxes)
    }

    /// The index of each element of `shape` in the tensor reduced to the axes `kept` (increasing),
    /// row-major over the kept axes, and that tensor's size.
    static func index(_ shape: [Int], keeping kept: [Int]) -> (index: [Int], count: Int) {
        let total = shape.reduce(1, *)
        var strides = [Int](repeating: 1, count: shape.count)                 // the full tensor's
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        var keptStride = [Int](repeating: 0, count: shape.count)              // the reduced tensor's
        var s = 1
        for a in kept.reversed() { keptStride[a] = s; s *= shape[a] }
        var index = [Int](repeating: 0, count: total)
        for i in 0..<total {
            var k = 0
            for a in kept { k += (i / strides[a]) % shape[a] * keptStride[a] }
            index[i] = k
        }
        return (index, s)
    }

    // MARK: standardizing per group

    /// Per group: the mean and s = 1/√(σ² + ε), σ² the biased variance (Keras' `moments`), summed in Double.
    func moments(_ x: [Float], epsilon: Float) -> (mean: [Float], invStd: [Float]) {
        var n = [Double](repeating: 0, count: groupCount), s = n, s2 = n
        for i in x.indices { n[group[i]] += 1; s[group[i]] += Double(x[i]) }
        let mean = (0..<groupCount).map { s[$0] / max(n[$0], 1) }
        for i in x.indices { let d = Double(x[i]) - mean[group[i]]; s2[group[i]] += d * d }
        let invStd = (0..<groupCount).map { Float(1 / (s2[$0] / max(n[$0], 1) + Double(epsilon)).squareRoot()) }
        return (mean.map { Float($0) }, invStd)
    }

    /// The backward of x̂ = (x − μ)·s per group (`centered`) or of x̂ = x·s (Keras' `rms_scaling`, which
    /// scales by the variance without centering), with ĝ = dL/dx̂ and x̃ = (x − μ)·s:
    /// dx = s·(ĝ − mean(ĝ) − x̃·mean(ĝ·x̂)) centered, s·(ĝ − x̃·mean(ĝ·x̂)) not.
    func standardizeBackward(_ gh: [Float], normalized xhat: [Float], centeredValues xt: [Float],
                             invStd: [Float], centered: Bool) -> [Float] {
        var n = [Double](repeating: 0, count: groupCount), sg = n, sgh = n
        for i in gh.indices {
            n[group[i]] += 1
            sg[group[i]] += Double(gh[i])
            sgh[group[i]] += Double(gh[i]) * Double(xhat[i])
        }
        let meanG = (0..<groupCount).map { centered ? Float(sg[$0] / max(n[$0], 1)) : 0 }
        let meanGH = (0..<groupCount).map { Float(sgh[$0] / max(n[$0], 1)) }
        var dx = [Float](repeating: 0, count: gh.count)
        for i in gh.indices {
            let k = group[i]
            dx[i] = invStd[k] * (gh[i] - meanG[k] - xt[i] * meanGH[k])
        }
        return dx
    }

    // MARK: the affine map y = x̂·γ + β

    func affine(_ xhat: [Float], gamma: [Float]?, beta: [Float]?) -> [Float] {
        var y = xhat
        for i in y.indices {
            let p = parameter[i]
            if let gamma { y[i] *= gamma[p] }
            if let beta { y[i] += beta[p] }
        }
        return y
    }

    /// dL/dx̂ = g·γ, and (when asked) dγ = Σ g·x̂, dβ = Σ g per entry, for the variables present.
    /// The weight gradients take `parameterShape` (γ and β's shape).
    func affineBackward(_ g: [Float], normalized xhat: [Float], gamma: [Float]?, hasBeta: Bool,
                        parameterShape: [Int], weightGradients: Bool) -> (gh: [Float], weights: [Tensor]) {
        var gh = g
        if let gamma { for i in gh.indices { gh[i] *= gamma[parameter[i]] } }
        guard weightGradients else { return (gh, []) }
        var dg = [Double](repeating: 0, count: parameterCount), db = dg
        for i in g.indices {
            dg[parameter[i]] += Double(g[i]) * Double(xhat[i])
            db[parameter[i]] += Double(g[i])
        }
        var grads: [Tensor] = []
        if gamma != nil { grads.append(Tensor(shape: parameterShape, data: dg.map { Float($0) })) }
        if hasBeta { grads.append(Tensor(shape: parameterShape, data: db.map { Float($0) })) }
        return (gh, grads)
    }

    /// Normalization axes of a config (`axis`: an int or a list, Keras counting the batch as axis 0) as
    /// positive axes of an input of `rank` (batch included), refused when out of range, on the batch, or
    /// not increasing (Keras 3 sorts the listed values, tf-keras keeps their order: they agree only then).
    static func axes(_ json: JSON?, default value: [Int], rank: Int, layer: String) throws -> [Int] {
        let listed: [Int]
        if let v = json, !v.isNull {
            if let i = v.intValue { listed = [i] } else if let a = v.arrayValue, !a.isEmpty {
                listed = try a.map {
                    guard let i = $0.intValue else { throw LayerError(layer, "axis \(v.serialized()) must hold integers") }
                    return i
                }
            } else { throw LayerError(layer, "axis \(v.serialized()) must be an integer or a list of integers") }
        } else { listed = value }
        let axes = try listed.map { a -> Int in
            let p = a < 0 ? a + rank : a
            guard p >= 1 && p < rank else {
                throw LayerError(layer, "axis \(a) is outside the per-sample axes of an input of rank \(rank) (batch included)")
            }
            return p
        }
        guard zip(axes, axes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw LayerError(layer, "axis \(listed) must list distinct axes in increasing order")
        }
        return axes
    }
}
