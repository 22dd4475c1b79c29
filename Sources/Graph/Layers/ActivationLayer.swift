import Tensor

/// Keras `Activation(name)`: an elementwise activation as its own layer.
public final class ActivationLayer: Layer {
    public static let kerasClassNames = ["Activation"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["activation"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let activation: Activation

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        activation = try Activation(config: config["activation"], layer: name)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        activation.applied(to: inputs[0])
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [activation.backward(upstream, input: tape.inputs[0], output: tape.output, rule: rule)])
    }
}

/// `Activation("relu")` runs in a convolution's epilogue (`InferencePlan`).
extension ActivationLayer: EpilogueFusible {
    func epilogueStep(inputShape: [Int]) -> EpilogueStep? { activation == .relu ? .relu : nil }
}
