import Foundation
import Tensor

/// Keras `UnitNormalization`: per sample, x scaled to unit L2 norm over the axes `axis` (default −1):
/// y = x·s with s = min(1/√Σx², 10¹²) (Keras 3's `normalize(order=2, epsilon=1e-12)`; tf-keras'
/// `l2_normalize` caps s at 10⁶ instead, which differs only for vectors of norm below 10⁻⁶).
/// Backward: dx = s·(g − y·Σ g·y) per vector, s·g where s is capped.
public final class UnitNormalization: Layer {
    public static let kerasClassNames = ["UnitNormalization"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["axis"]
    public static let role = LayerRole.normalization
    public static func keras3VariableNames(config: JSON) -> [String] { [] }

    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    static let maximumScale: Double = 1e12
    private var axes: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        axes = try NormalizationGroups.axes(config["axis"], default: [-1], rank: inputShapes[0].count + 1, layer: name)
        return inputShapes[0]
    }

    /// Per vector: s and whether it was capped.
    private func scales(_ x: [Float], groups: NormalizationGroups) -> (scale: [Float], capped: [Bool]) {
        var sumSquares = [Double](repeating: 0, count: groups.groupCount)
        for i in x.indices { sumSquares[groups.group[i]] += Double(x[i]) * Double(x[i]) }
        let raw = sumSquares.map { 1 / $0.squareRoot() }
        return (raw.map { Float(min($0, Self.maximumScale)) }, raw.map { !($0 < Self.maximumScale) })
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, …), shape kept
        let groups = NormalizationGroups(shape: x.shape, reduced: axes, parameterAxes: [])
        let s = scales(x.data, groups: groups).scale
        return Tensor(shape: x.shape, data: x.data.indices.map { x.data[$0] * s[groups.group[$0]] })
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let groups = NormalizationGroups(shape: upstream.shape, reduced: axes, parameterAxes: [])
        let (s, capped) = scales(tape.inputs[0].data, groups: groups)
        let g = upstream.data, y = tape.output.data
        var dot = [Double](repeating: 0, count: groups.groupCount)                // Σ g·y per vector
        for i in g.indices { dot[groups.group[i]] += Double(g[i]) * Double(y[i]) }
        let dx = g.indices.map { i -> Float in
            let k = groups.group[i]
            return capped[k] ? s[k] * g[i] : s[k] * (g[i] - y[i] * Float(dot[k]))
        }
        return LayerGradients(inputs: [Tensor(shape: upstream.shape, data: dx)])   // (N, …)
    }
}
