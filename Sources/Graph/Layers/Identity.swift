import Tensor

/// Keras `Identity`: y = x; backward passes the gradient unchanged. Kinds that are the identity on
/// their output (`ActivityRegularization`) subclass it and declare their own Keras facts.
public class Identity: Layer {
    public class var kerasClassNames: [String] { ["Identity"] }
    public class var kerasConfigKeys: Set<String> { [] }
    public class var supportsMasking: Bool { true }                          // passes a mask on, as Keras does
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    public required init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        inputs[0]                                                             // (N, …)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream])                                    // (N, …)
    }
}
