import Tensor

/// Keras `RepeatVector`: (N, F) → (N, n, F), the sample repeated `n` times; backward sums the copies.
public final class RepeatVector: Layer {
    public static let kerasClassNames = ["RepeatVector"]
    public static let kerasConfigKeys: Set<String> = ["n"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let n: Int

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        n = try LayerConfig(layer: name, json: config).int("n")
        guard n > 0 else { throw LayerError(name, "n must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 1 else {
            throw LayerError(name, "expects one (features) input, got \(inputShapes)")
        }
        return [n, inputShapes[0][0]]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, F)
        guard x.rank == 2 else { throw LayerError(name, "input of shape \(x.shape) is not (N, F)") }
        let f = x.shape[1]
        var y = Tensor(zeros: [x.batch, n, f])                                // (N, n, F)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<x.batch {
                    for r in 0..<n { (yp.baseAddress! + (b * n + r) * f).update(from: xp.baseAddress! + b * f, count: f) }
                }
            }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let f = x.shape[1]
        var dx = Tensor(zeros: x.shape)                                       // (N, F): the sum over the n copies
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                for b in 0..<x.batch {
                    for r in 0..<n { for i in 0..<f { dp[b * f + i] += up[(b * n + r) * f + i] } }
                }
            }
        }
        return LayerGradients(inputs: [dx])
    }
}
