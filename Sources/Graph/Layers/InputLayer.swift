import Tensor

/// Keras `InputLayer`: the graph's entry; passes its tensor through.
public final class InputLayer: Layer {
    public static let kerasClassNames = ["InputLayer"]
    public static let kerasConfigKeys: Set<String> = ["optional", "ragged", "sparse"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// Per-sample shape, from `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2); -1 for unknown sizes.
    public let shape: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        let key = c.has("batch_shape") ? "batch_shape" : "batch_input_shape"
        guard c.has(key) else { throw LayerError(name, "input layer has no batch_shape / batch_input_shape") }
        let full = try c.intList(key)
        guard full.count >= 2 else { throw LayerError(name, "input shape \(full) has no feature dimensions") }
        shape = Array(full.dropFirst())
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] { shape }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor { inputs[0] }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream])
    }
}
