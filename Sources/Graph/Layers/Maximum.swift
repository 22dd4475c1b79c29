import Tensor

/// Keras `Maximum`: elementwise maximum of two or more inputs.
/// Backward routes each gradient to the input holding the maximum — the first one on ties.
public final class Maximum: Layer {
    public static let kerasClassNames = ["Maximum"]
    public let name: String
    public var className = "Maximum"
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
        var winner = [Int32](repeating: 0, count: tape == nil ? 0 : y.count)
        for (k, t) in inputs.enumerated().dropFirst() {
            let b = Merge.expand(t, to: shape)
            y.data.withUnsafeMutableBufferPointer { yp in
                b.data.withUnsafeBufferPointer { bp in
                    winner.withUnsafeMutableBufferPointer { wp in
                        let record = !wp.isEmpty
                        for i in yp.indices where bp[i] > yp[i] {
                            yp[i] = bp[i]
                            if record { wp[i] = Int32(k) }
                        }
                    }
                }
            }
        }
        tape?.indices = winner
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var grads: [Tensor] = []
        for k in tape.inputs.indices {
            var g = Tensor(zeros: upstream.shape)
            g.data.withUnsafeMutableBufferPointer { gp in
                upstream.data.withUnsafeBufferPointer { up in
                    for i in gp.indices where tape.indices[i] == Int32(k) { gp[i] = up[i] }
                }
            }
            grads.append(Merge.reduce(g, to: tape.inputs[k].shape))
        }
        return LayerGradients(inputs: grads)
    }
}
