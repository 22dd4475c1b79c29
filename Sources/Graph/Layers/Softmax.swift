import Tensor

/// Keras `Softmax` layer: softmax along `axis` (default −1; the batch counts as axis 0, as in Keras).
/// Backward: dx = y ⊙ (g − Σ g⊙y) along the same axis.
public final class Softmax: Layer {
    public static let kerasClassNames = ["Softmax"]
    public static let kerasConfigKeys: Set<String> = ["axis"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let axis: Int

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        axis = try LayerConfig(layer: name, json: config).int("axis", default: -1)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        let rank = inputShapes[0].count + 1                                   // with the batch
        guard axis >= -rank && axis < rank else {
            throw LayerError(name, "axis \(axis) is outside an input of rank \(rank) (batch included)")
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]                                                     // (N, …), shape kept
        Activation.softmax(&y, axis: axis)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream                                                      // (N, …)
        Activation.softmaxBackward(&g, y: tape.output, axis: axis)
        return LayerGradients(inputs: [g])
    }
}
