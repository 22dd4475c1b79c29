import Tensor

/// Keras `Add`: elementwise sum of two or more inputs (Keras' size-1 broadcasting allowed).
public final class Add: Layer {
    public static let kerasClassNames = ["Add"]
    public let name: String
    public var className = "Add"
    public let config: JSON
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] { try Merge.outputShape(name, inputShapes) }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let shape = try Merge.runtimeShape(name, inputs)
        var y = Merge.expand(inputs[0], to: shape)                          // (N, …) broadcast shape
        for t in inputs.dropFirst() { y.add(Merge.expand(t, to: shape)) }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: tape.inputs.map { Merge.reduce(upstream, to: $0.shape) })
    }
}
