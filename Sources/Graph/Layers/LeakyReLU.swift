import Tensor

/// Keras `LeakyReLU`: x for x ≥ 0, slope · x below.
///
/// The slope is read from Keras 3's `negative_slope`, else Keras 2's `alpha`; when neither is
/// stored it is 0.3, the default of both Keras 2 (`alpha=0.3`) and Keras 3 (`negative_slope=0.3`,
/// checked against keras 3.15) — only `tf.nn.leaky_relu` defaults to 0.2.
public final class LeakyReLU: Layer {
    public static let kerasClassNames = ["LeakyReLU"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["alpha", "negative_slope"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let slope: Float

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        let key = c.has("negative_slope") ? "negative_slope" : "alpha"
        slope = Float(try c.double(key, default: 0.3))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]
        let s = slope
        y.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices where p[i] < 0 { p[i] *= s }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream
        let s = slope
        g.data.withUnsafeMutableBufferPointer { gp in
            tape.inputs[0].data.withUnsafeBufferPointer { xp in
                for i in gp.indices where xp[i] < 0 { gp[i] *= s }
            }
        }
        return LayerGradients(inputs: [g])
    }
}
