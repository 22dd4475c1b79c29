import Tensor

/// Keras `GaussianNoise`: in training adds N(0, stddev²) noise from `context.random`; identity at
/// inference. The noise is additive, so the gradient passes unchanged.
public typealias GaussianNoise = NoiseLayer<AdditiveGaussianNoise>

public struct AdditiveGaussianNoise: TrainingNoise {
    public static let kerasClassNames = ["GaussianNoise"]
    public static let kerasConfigKeys: Set<String> = ["seed", "stddev"]
    let stddev: Float

    public init(_ c: LayerConfig) throws {
        stddev = Float(try c.double(c.has("stddev") ? "stddev" : "sigma"))
        guard stddev >= 0 else { throw LayerError(c.layer, "stddev \(stddev) must not be negative") }
    }

    public var perturbs: Bool { stddev > 0 }

    public func perturb(_ x: Tensor, random: inout SeededRandom, tape: Tape?, layer: String) throws -> Tensor {
        var y = x
        let sd = stddev
        y.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] += sd * random.normal() }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape) -> Tensor { upstream }
}
