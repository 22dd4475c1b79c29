import Tensor

/// Keras `Flatten`: (N, H, W, C) → (N, H·W·C) in H, W, C order (a pure reshape of what it gets: a (N, C, H, W)
/// input of a channels-first model flattens in C, H, W order); with `data_format: "channels_first"` Keras moves
/// the channels last before flattening (H, W, C order), which `ChannelsFirst` does.
public final class Flatten: Layer {
    public static let kerasClassNames = ["Flatten"]
    public static let kerasConfigKeys: Set<String> = ["data_format"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        try LayerConfig(layer: name, json: config).requireChannelsLast()
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        return [inputShapes[0].reduce(1, *)]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        return x.reshaped([x.batch, x.itemCount])
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [upstream.reshaped(tape.inputs[0].shape)])
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Flatten: ChannelsFirstCapable {}
