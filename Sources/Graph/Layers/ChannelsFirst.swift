import Tensor

/// The kinds whose Keras config may say `data_format: "channels_first"` (convolutions, poolings,
/// global poolings, UpSampling, ZeroPadding, Cropping, Flatten). A kind conforms with one line; the
/// registry then runs its channels-first layers through `ChannelsFirst`.
public protocol ChannelsFirstCapable: Layer {}

/// What a channels-first layer tells code that draws or seeds its maps (Visualize, the image inputs).
public protocol ChannelsFirstLayer: Layer {}

/// A layer of kind `Inner` with `data_format: "channels_first"`, computed as Keras computes it: its
/// inputs (N, C, …) moved to channels-last (N, …, C), the channels-last layer of the same config run on
/// them, its output moved back to (N, C′, …) (an output without spatial axes — Flatten, a global
/// pooling without `keepdims` — stays as it is, which is also Keras' element order: tf-keras and Keras 3
/// Flatten move the channels last before flattening). Backward is the same three steps reversed.
/// The layer's name, class, config (as read) and variables are the inner layer's: Keras' kernels have
/// one layout whatever the data format.
public final class ChannelsFirst<Inner: ChannelsFirstCapable>: ChannelsFirstLayer {
    public static var kerasClassNames: [String] { Inner.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { Inner.kerasConfigKeys }
    public static var role: LayerRole { Inner.role }
    public static func keras3VariableNames(config: JSON) -> [String] { Inner.keras3VariableNames(config: config) }
    public static func kerasVariableName(_ name: String, naming: KerasVariableNaming) -> String {
        Inner.kerasVariableName(name, naming: naming)
    }
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject { Inner.keras3Config(fromLegacy: config) }
    public static var kerasCellName: String? { Inner.kerasCellName }
    public static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup] {
        Inner.keras3VariableGroups(config: config, count: count)
    }

    public var identity: LayerIdentity
    public let inner: Inner
    public var weights: [WeightVariable] {
        get { inner.weights }
        set { inner.weights = newValue }
    }

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Inner.self, name: name, config: config)
        guard var c = config.objectValue else { throw LayerError(name, "config is not an object") }
        c["data_format"] = .string("channels_last")
        inner = try Inner(name: name, config: .object(c))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        Self.first(try inner.build(inputShapes: inputShapes.map(Self.last)))
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let xs = inputs.map(channelsLast)                                     // (N, C, …) → (N, …, C)
        guard let tape else { return channelsFirst(try inner.forward(xs, context: &context, tape: nil)) }
        let innerTape = try LayerWrapper.recorded(inner, xs, context: &context)
        tape.saved = innerTape.saved
        tape.indices = innerTape.indices
        return channelsFirst(innerTape.output)                                // (N, …′, C′) → (N, C′, …′)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let innerTape = Tape()
        innerTape.inputs = tape.inputs.map(channelsLast)
        innerTape.output = channelsLast(tape.output)
        innerTape.saved = tape.saved
        innerTape.indices = tape.indices
        var g = try inner.backward(channelsLast(upstream), tape: innerTape, rule: rule, weightGradients: weightGradients)
        g.inputs = g.inputs.map(channelsFirst)                                // (N, …, C) → (N, C, …)
        return g
    }

    /// A per-sample (C, …) shape as (…, C); shapes without spatial axes unchanged.
    static func last(_ s: [Int]) -> [Int] { s.count >= 2 ? Array(s.dropFirst()) + [s[0]] : s }
    /// A per-sample (…, C) shape as (C, …); shapes without spatial axes unchanged.
    static func first(_ s: [Int]) -> [Int] { s.count >= 2 ? [s[s.count - 1]] + s.dropLast() : s }
}

/// Makes a layer of `kind` from a config saying `data_format: "channels_first"`.
func channelsFirstLayer<Inner: ChannelsFirstCapable>(_ kind: Inner.Type, name: String, config: JSON) throws -> any Layer {
    try ChannelsFirst<Inner>(name: name, config: config)
}

/// (N, C, P…) → (N, P…, C): the channels moved last; tensors of rank < 3 unchanged.
public func channelsLast(_ t: Tensor) -> Tensor {
    guard t.rank >= 3 else { return t }
    return moveChannels(t, channels: t.shape[1], positions: t.count / max(1, t.shape[0] * t.shape[1]),
                        shape: [t.shape[0]] + t.shape.dropFirst(2) + [t.shape[1]], toLast: true)
}

/// (N, P…, C) → (N, C, P…): the channels moved first (the adjoint of `channelsLast`); rank < 3 unchanged.
public func channelsFirst(_ t: Tensor) -> Tensor {
    guard t.rank >= 3 else { return t }
    let c = t.shape[t.rank - 1]
    return moveChannels(t, channels: c, positions: t.count / max(1, t.shape[0] * c),
                        shape: [t.shape[0], c] + t.shape.dropFirst().dropLast(), toLast: false)
}

/// Per item, the (C, P) ↔ (P, C) transpose.
private func moveChannels(_ t: Tensor, channels c: Int, positions p: Int, shape: [Int], toLast: Bool) -> Tensor {
    var y = Tensor(zeros: shape)
    guard y.count > 0 else { return y }
    let item = c * p
    t.data.withUnsafeBufferPointer { tp in
        y.data.withUnsafeMutableBufferPointer { yp in
            parallelFor(t.shape[0]) { n in
                let src = tp.baseAddress! + n * item, dst = yp.baseAddress! + n * item
                for k in 0..<c {
                    for q in 0..<p {
                        if toLast { dst[q * c + k] = src[k * p + q] } else { dst[k * p + q] = src[q * c + k] }
                    }
                }
            }
        }
    }
    return y
}

/// Not a Keras kind: the first node of a channels-first model's image view (`Graph.imageView`), taking
/// the (N, H, W, C) images every image command works with to the (N, C, H, W) the model reads.
public final class ChannelsToFirst: Layer {
    public static let kerasClassNames = ["ChannelsToFirst"]
    public static let kerasConfigKeys: Set<String> = []
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws { identity = LayerIdentity(Self.self, name: name, config: config) }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count >= 2 else { throw LayerError(name, "expects one input with channels, got \(inputShapes)") }
        return [inputShapes[0][inputShapes[0].count - 1]] + inputShapes[0].dropLast()
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        channelsFirst(inputs[0])                                              // (N, H, W, C) → (N, C, H, W)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [channelsLast(upstream)])                      // (N, C, H, W) → (N, H, W, C)
    }
}
