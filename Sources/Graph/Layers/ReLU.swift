import Tensor

/// Keras `ReLU` layer with `max_value`, `negative_slope` and `threshold`, computed as Keras 3's
/// `relu` does: p = (x > threshold ? x : 0) [relu(x) when threshold is 0], clipped to [0, max_value]
/// when a max is given, minus negative_slope · relu(threshold − x).
/// The plain case (no max, slope 0, threshold 0) is a rectifier: backward rules apply to it.
public final class ReLU: Layer {
    public static let kerasClassNames = ["ReLU"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["max_value", "negative_slope", "threshold"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let maxValue: Float?
    let slope: Float
    let threshold: Float

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        maxValue = try c.optionalDouble("max_value").map(Float.init)
        slope = Float(try c.double("negative_slope", default: 0))
        threshold = Float(try c.double("threshold", default: 0))
        if let m = maxValue, m < 0 { throw LayerError(name, "max_value \(m) must not be negative") }
        if slope < 0 { throw LayerError(name, "negative_slope \(slope) must not be negative") }
        if threshold < 0 { throw LayerError(name, "threshold \(threshold) must not be negative (Keras refuses it too)") }
    }

    var isPlain: Bool { maxValue == nil && slope == 0 && threshold == 0 }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        if isPlain { return Activation.relu.applied(to: inputs[0]) }
        var y = inputs[0]
        let t = threshold, s = slope, m = maxValue
        y.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices {
                let x = p[i]
                var v = t != 0 ? (x > t ? x : 0) : max(x, 0)
                if let m { v = min(max(v, 0), m) }
                if s != 0 { v -= s * max(t - x, 0) }
                p[i] = v
            }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        if isPlain {
            return LayerGradients(inputs: [Activation.relu.backward(upstream, input: x, output: tape.output, rule: rule)])
        }
        var g = upstream
        let t = threshold, s = slope, m = maxValue
        g.data.withUnsafeMutableBufferPointer { gp in
            x.data.withUnsafeBufferPointer { xp in
                for i in gp.indices {
                    let x = xp[i]
                    // Positive part passes where x is above the threshold and (with a max) strictly inside (0, max).
                    var d: Float = x > t && (t != 0 || x > 0) ? 1 : 0
                    if let m, !(x > 0 && x < m) { d = 0 }
                    if s != 0 && x < t { d += s }
                    gp[i] *= d
                }
            }
        }
        return LayerGradients(inputs: [g])
    }
}

/// A plain `ReLU()` runs in a convolution's epilogue (`InferencePlan`).
extension ReLU: EpilogueFusible {
    func epilogueStep(inputShape: [Int]) -> EpilogueStep? { isPlain ? .relu : nil }
}
