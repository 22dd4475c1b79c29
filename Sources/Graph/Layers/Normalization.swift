import Foundation
import Tensor

/// Keras `Normalization` (preprocessing): y = (x − mean)/max(√variance, 10⁻⁷) per entry of the kept
/// axes `axis` (default −1; null keeps none: one mean), or with `invert` y = mean + x·max(√variance, 10⁻⁷).
/// The statistics come from the config (`mean`, `variance`: a number or a list shaped as the kept axes)
/// or, when the config has none, from the variables `adapt` filled: mean, variance, count (not trainable).
/// Backward: dx = g/max(√variance, 10⁻⁷), or g·max(√variance, 10⁻⁷) inverted.
public final class Normalization: Layer {
    public static let kerasClassNames = ["Normalization"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["axis", "mean", "variance", "invert"]
    public static func keras3VariableNames(config: JSON) -> [String] {
        config["mean"].map { $0.isNull } ?? true ? ["mean", "variance", "count"] : []
    }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let invert: Bool
    /// Statistics given in the config, flattened; nil when they are variables.
    let given: (mean: [Float], variance: [Float])?
    private var keptAxes: [Int] = []
    static let epsilon: Float = 1e-7

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        invert = try LayerConfig(layer: name, json: config).bool("invert", default: false)
        func values(_ key: String) throws -> [Float]? {
            guard let v = config[key], !v.isNull else { return nil }
            func flat(_ j: JSON) throws -> [Float] {
                if let d = j.doubleValue { return [Float(d)] }
                guard let a = j.arrayValue else { throw LayerError(name, "config '\(key)' must hold numbers, found \(v.serialized())") }
                return try a.flatMap(flat)
            }
            return try flat(v)
        }
        let mean = try values("mean"), variance = try values("variance")
        guard (mean == nil) == (variance == nil) else { throw LayerError(name, "config gives one of 'mean' and 'variance' without the other") }
        given = mean.map { ($0, variance!) }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        let shape = inputShapes[0], rank = shape.count + 1
        let axis = config["axis"]
        keptAxes = axis?.isNull ?? false || axis?.arrayValue?.isEmpty ?? false     // null, or [] as Keras saves it
            ? [] : try NormalizationGroups.axes(axis, default: [-1], rank: rank, layer: name)
        let statShape = keptAxes.map { shape[$0 - 1] }
        let size = statShape.reduce(1, *)
        if let given {
            for (key, v) in [("mean", given.mean), ("variance", given.variance)] where v.count != 1 && v.count != size {
                throw LayerError(name, "config '\(key)' has \(v.count) values; the kept axes \(statShape) need \(size) (or one)")
            }
            weights = []
        } else {
            weights = [try WeightVariable(name: "mean", shape: statShape, trainable: false),
                       try WeightVariable(name: "variance", shape: statShape, trainable: false),
                       try WeightVariable(name: "count", shape: [], trainable: false)]
            weights[1].value = Tensor(repeating: 1, shape: statShape)
        }
        return shape
    }

    /// Per statistics entry: the mean and max(√variance, ε).
    private func statistics(count: Int) -> (mean: [Float], scale: [Float]) {
        let (m, v) = given ?? (weights[0].value.data, weights[1].value.data)
        let mean = m.count == 1 ? [Float](repeating: m[0], count: count) : m
        let variance = v.count == 1 ? [Float](repeating: v[0], count: count) : v
        return (mean, variance.map { max($0.squareRoot(), Self.epsilon) })
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, …), shape kept
        let (entry, count) = NormalizationGroups.index(x.shape, keeping: keptAxes)
        let (mean, scale) = statistics(count: count)
        var y = x
        for i in y.data.indices {
            let p = entry[i]
            y.data[i] = invert ? mean[p] + y.data[i] * scale[p] : (y.data[i] - mean[p]) / scale[p]
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let (entry, count) = NormalizationGroups.index(upstream.shape, keeping: keptAxes)
        let (mean, scale) = statistics(count: count)
        var g = upstream                                                      // (N, …)
        for i in g.data.indices { g.data[i] = invert ? g.data[i] * scale[entry[i]] : g.data[i] / scale[entry[i]] }
        guard weightGradients, given == nil else { return LayerGradients(inputs: [g]) }
        // ∂y/∂mean = −1/s (1 inverted), ∂y/∂s = −(x − mean)/s² (x inverted), ∂s/∂variance = 1/(2s) above ε.
        var dm = [Double](repeating: 0, count: count), ds = dm
        let x = tape.inputs[0].data, u = upstream.data
        for i in u.indices {
            let p = entry[i], gi = Double(u[i])
            dm[p] += invert ? gi : -gi / Double(scale[p])
            ds[p] += invert ? gi * Double(x[i]) : -gi * Double(x[i] - mean[p]) / Double(scale[p] * scale[p])
        }
        let variance = weights[1].value.data
        let dv = (0..<count).map { variance[$0].squareRoot() > Self.epsilon ? Float(ds[$0] / (2 * Double(scale[$0]))) : 0 }
        return LayerGradients(inputs: [g], weights: [Tensor(shape: weights[0].value.shape, data: dm.map { Float($0) }),
                                                     Tensor(shape: weights[1].value.shape, data: dv),
                                                     Tensor(zeros: [])])
    }
}
