import Tensor

/// Keras `Rescaling`: y = x · scale + offset; each a scalar or a per-channel list (last axis).
public final class Rescaling: Layer {
    public static let kerasClassNames = ["Rescaling"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["offset", "scale"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let scale: [Float]
    let offset: [Float]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        scale = try Self.values(config["scale"], key: "scale", default: 1, layer: name)
        offset = try Self.values(config["offset"], key: "offset", default: 0, layer: name)
    }

    private static func values(_ v: JSON?, key: String, default d: Float, layer: String) throws -> [Float] {
        guard let v, !v.isNull else { return [d] }
        if let x = v.doubleValue { return [Float(x)] }
        if let a = v.arrayValue, !a.isEmpty, a.allSatisfy({ $0.doubleValue != nil }) { return a.map { Float($0.doubleValue!) } }
        throw LayerError(layer, "config '\(key)' must be a number or a list of numbers, found \(v.serialized())")
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        let c = inputShapes[0].last ?? 1
        for (key, v) in [("scale", scale), ("offset", offset)] where v.count != 1 && v.count != c {
            throw LayerError(name, "\(key) has \(v.count) values but the input has \(c) channels")
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]
        let c = y.shape.last ?? 1
        let s = scale.count == 1 ? [Float](repeating: scale[0], count: c) : scale
        let o = offset.count == 1 ? [Float](repeating: offset[0], count: c) : offset
        guard s.count == c, o.count == c else { throw LayerError(name, "input \(y.shape) does not have \(max(scale.count, offset.count)) channels") }
        y.data.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: c) { for k in 0..<c { p[i + k] = p[i + k] * s[k] + o[k] } }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream
        let c = g.shape.last ?? 1
        let s = scale.count == 1 ? [Float](repeating: scale[0], count: c) : scale
        g.data.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: c) { for k in 0..<c { p[i + k] *= s[k] } }
        }
        return LayerGradients(inputs: [g])
    }
}
