import Tensor

/// Keras `Reshape` to `target_shape` (per sample; one entry may be −1 and is inferred).
public final class Reshape: Layer {
    public static let kerasClassNames = ["Reshape"]
    public static let kerasConfigKeys: Set<String> = ["target_shape"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let target: [Int]
    private var resolved: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        target = try LayerConfig(layer: name, json: config).intList("target_shape")
        guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 == -1 || $0 > 0 }) else {
            throw LayerError(name, "target_shape \(target) must be positive sizes with at most one -1")
        }
    }

    private func resolve(_ count: Int) throws -> [Int] {
        let known = target.filter { $0 != -1 }.reduce(1, *)
        if let i = target.firstIndex(of: -1) {
            guard known > 0, count % known == 0 else {
                throw LayerError(name, "cannot reshape \(count) values per sample to \(target)")
            }
            var t = target
            t[i] = count / known
            return t
        }
        guard known == count else { throw LayerError(name, "cannot reshape \(count) values per sample to \(target)") }
        return target
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        resolved = try resolve(inputShapes[0].reduce(1, *))
        return resolved
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        return x.reshaped([x.batch] + (try resolve(x.itemCount)))            // (N, target…)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream.reshaped(tape.inputs[0].shape)])
    }
}
