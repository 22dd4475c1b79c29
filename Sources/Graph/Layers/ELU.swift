import Foundation
import Tensor

/// Keras `ELU` layer: y = x for x > 0, α·(eˣ − 1) otherwise (α from `alpha`, default 1); the
/// `elu` activation is the case α = 1. Backward: dy/dx = 1 for x > 0, y + α otherwise.
public final class ELU: Layer {
    public static let kerasClassNames = ["ELU"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["alpha"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let alpha: Float

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        alpha = Float(try LayerConfig(layer: name, json: config).double("alpha", default: 1))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]                                                     // (N, …), shape kept
        let a = alpha
        y.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices where !(p[i] > 0) { p[i] = a * expm1f(p[i]) }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream                                                      // (N, …)
        let a = alpha
        g.data.withUnsafeMutableBufferPointer { gp in
            tape.inputs[0].data.withUnsafeBufferPointer { xp in
                tape.output.data.withUnsafeBufferPointer { yp in
                    for i in gp.indices where !(xp[i] > 0) { gp[i] *= yp[i] + a }   // α·eˣ = y + α
                }
            }
        }
        return LayerGradients(inputs: [g])
    }
}
