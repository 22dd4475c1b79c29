import Tensor

/// Keras `Subtract`: first input minus the second (exactly two inputs).
public final class Subtract: Layer {
    public static let kerasClassNames = ["Subtract"]
    public let name: String
    public var className = "Subtract"
    public let config: JSON
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 2 else { throw LayerError(name, "expects exactly two inputs, got \(inputShapes.count)") }
        return try Merge.outputShape(name, inputShapes)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard inputs.count == 2 else { throw LayerError(name, "expects exactly two inputs, got \(inputs.count)") }
        let shape = try Merge.runtimeShape(name, inputs)
        var y = Merge.expand(inputs[0], to: shape)                          // (N, …) broadcast shape
        let b = Merge.expand(inputs[1], to: shape)
        y.data.withUnsafeMutableBufferPointer { yp in
            b.data.withUnsafeBufferPointer { bp in for i in yp.indices { yp[i] -= bp[i] } }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let negated = upstream.map { -$0 }
        return LayerGradients(inputs: [Merge.reduce(upstream, to: tape.inputs[0].shape),
                                       Merge.reduce(negated, to: tape.inputs[1].shape)])
    }
}
