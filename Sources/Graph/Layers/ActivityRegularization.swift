import Tensor

/// Keras `ActivityRegularization`: the identity on its input in both modes. Its l1/l2 penalty is a
/// separate term Keras adds to the training loss; it is not part of the layer's output, so the
/// gradient of any objective on the output passes through unchanged.
public final class ActivityRegularization: Layer {
    public static let kerasClassNames = ["ActivityRegularization"]
    public static let kerasConfigKeys: Set<String> = ["l1", "l2"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor { inputs[0] }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream])
    }
}
