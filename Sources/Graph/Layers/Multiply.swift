import Tensor

/// Keras `Multiply`: elementwise product of two or more inputs.
/// Backward: d/dxᵢ = g · Π_{j≠i} xⱼ (computed directly, no division).
public final class Multiply: Layer {
    public static let kerasClassNames = ["Multiply"]
    public let name: String
    public var className = "Multiply"
    public let config: JSON
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] { try Merge.outputShape(name, inputShapes) }

    private static func product(_ factors: [Tensor], into y: inout Tensor) {
        y.data.withUnsafeMutableBufferPointer { yp in
            for f in factors {
                f.data.withUnsafeBufferPointer { fp in for i in yp.indices { yp[i] *= fp[i] } }
            }
        }
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let shape = try Merge.runtimeShape(name, inputs)
        var y = Merge.expand(inputs[0], to: shape)                          // (N, …) broadcast shape
        Self.product(inputs.dropFirst().map { Merge.expand($0, to: shape) }, into: &y)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let shape = upstream.shape
        let full = tape.inputs.map { Merge.expand($0, to: shape) }
        var grads: [Tensor] = []
        for i in full.indices {
            var g = upstream
            Self.product(full.enumerated().filter { $0.offset != i }.map(\.element), into: &g)
            grads.append(Merge.reduce(g, to: tape.inputs[i].shape))
        }
        return LayerGradients(inputs: grads)
    }
}
