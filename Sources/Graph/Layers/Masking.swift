import Tensor

/// Keras `Masking`: a position (all axes but the last) whose features all equal `mask_value` (default 0)
/// is set to 0, every other value passes through: y = x · [any(x ≠ mask_value) over the last axis].
/// Backward: dx = g · that indicator. The output carries that indicator as its mask (`Mask.swift`), of
/// the input's shape without the feature axis, which RNNs, pooling and attention read as Keras' do.
public final class Masking: MaskAware {
    public static let kerasClassNames = ["Masking"]
    public static let kerasConfigKeys: Set<String> = ["mask_value"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let maskValue: Float

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        maskValue = Float(try LayerConfig(layer: name, json: config).double("mask_value", default: 0))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, !inputShapes[0].isEmpty else { throw LayerError(name, "expects one input with a feature axis") }
        return inputShapes[0]
    }

    /// Zeroes the positions of `t` whose features in `x` all equal the mask value.
    private func zeroMasked(_ t: inout Tensor, by x: Tensor) {
        let features = max(x.shape.last ?? 1, 1), mv = maskValue
        t.data.withUnsafeMutableBufferPointer { tp in
            x.data.withUnsafeBufferPointer { xp in
                for start in stride(from: 0, to: xp.count, by: features) {
                    let kept = (start..<start + features).contains { xp[$0] != mv }
                    if !kept { for i in start..<start + features { tp[i] = 0 } }
                }
            }
        }
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        Masks.differing(inputs[0], from: maskValue)                           // (N, …) without the feature axis
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        var y = inputs[0]                                                     // (N, …, features), shape kept
        zeroMasked(&y, by: inputs[0])
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var g = upstream                                                      // (N, …, features)
        zeroMasked(&g, by: tape.inputs[0])
        return LayerGradients(inputs: [g])
    }
}
