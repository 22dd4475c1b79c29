import Tensor

/// Keras `Average`: elementwise mean of two or more inputs.
public final class Average: Layer {
    public static let kerasClassNames = ["Average"]
    public let name: String
    public var className = "Average"
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
        let inv = 1 / Float(inputs.count)
        y.data.withUnsafeMutableBufferPointer { yp in for i in yp.indices { yp[i] *= inv } }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let inv = 1 / Float(tape.inputs.count)
        let g = upstream.map { $0 * inv }
        return LayerGradients(inputs: tape.inputs.map { Merge.reduce(g, to: $0.shape) })
    }
}
