import Tensor

/// Keras `TimeDistributed`: the wrapped layer (any runnable kind) applied to every step of a
/// (N, T, …) input independently, as one batch of N·T items; its variables are the wrapped layer's.
/// Forward keeps the wrapped layer's tape (what it saved, its switches) in this node's tape, so
/// backward is the wrapped layer's backward on the same (N·T, …) view. A Keras mask (N, T, …) on the input
/// reaches a mask-reading wrapped layer (an RNN, GlobalAveragePooling1D) as (N·T, …), each step's own, as
/// Keras' `TimeDistributed.call` gives `mask[i]` to the layer; the input's mask is passed on unchanged.
public final class TimeDistributed: MaskAware {
    public static let kerasClassNames = ["TimeDistributed"]
    public static let kerasConfigKeys: Set<String> = ["layer"]
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        LayerWrapper.keras3Config(fromLegacy: config, keys: ["layer"])
    }
    /// Keras 3 stores the wrapped layer's variables under `layer`.
    public static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup] {
        let entry = config["layer"], cls = entry?["class_name"]?.stringValue ?? ""
        let name = entry?["config"]?["name"]?.stringValue ?? "layer"
        return LayerRegistry.keras3VariableGroups(className: cls, config: entry?["config"] ?? .null, count: count)
            .map { Keras3VariableGroup(path: [("layer", name)] + $0.path, count: $0.count) }
    }
    public var identity: LayerIdentity
    public let inner: any Layer
    public var weights: [WeightVariable] {
        get { inner.weights }
        set { inner.weights = newValue }
    }

    public var needsTFKeras: Bool { inner.needsTFKeras }

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        inner = try LayerWrapper.inner(config, key: "layer", wrapper: name)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count >= 2 else {
            throw LayerError(name, "expects one (time, …) input, got \(inputShapes)")
        }
        return [inputShapes[0][0]] + (try inner.build(inputShapes: [Array(inputShapes[0].dropFirst())]))
    }

    /// (N, T, …) seen as (N·T, …).
    func merged(_ t: Tensor) -> Tensor { t.reshaped([t.shape[0] * t.shape[1]] + t.shape.dropFirst(2)) }
    /// (N·T, …) seen as (N, T, …).
    func split(_ t: Tensor, like x: Tensor) -> Tensor { t.reshaped([x.shape[0], x.shape[1]] + t.shape.dropFirst()) }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, masks: [], context: &context, tape: tape)
    }

    /// Keras' `supports_masking`: the input's mask goes on unchanged.
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { masks.first ?? nil }

    /// The mask the wrapped layer sees: the input's (N, T, …) as (N·T, …), when the layer reads masks.
    private func innerMask(_ masks: [Tensor?], layer: any Layer) -> Tensor? {
        guard layer is any MaskAware, let m = masks.first ?? nil, m.rank >= 2 else { return nil }
        return merged(m)
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                      // (N, T, …)
        guard x.rank >= 3 else { throw LayerError(name, "input \(x.shape) has no time axis") }
        let innerTape = Tape()                                                 // (N·T, …) → (N·T, …′)
        innerTape.inputs = [merged(x)]
        if let m = innerMask(masks, layer: inner), let aware = inner as? any MaskAware {
            innerTape.masks = [m]
            innerTape.output = try aware.forward(innerTape.inputs, masks: [m], context: &context, tape: innerTape)
        } else {
            innerTape.output = try inner.forward(innerTape.inputs, context: &context, tape: innerTape)
        }
        tape?.saved = innerTape.saved
        tape?.indices = innerTape.indices
        return split(innerTape.output, like: x)                                // (N, T, …′)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let innerTape = Tape()
        innerTape.inputs = [merged(x)]
        innerTape.output = merged(tape.output)
        innerTape.saved = tape.saved
        innerTape.indices = tape.indices
        innerTape.masks = [innerMask(tape.masks, layer: inner)]
        var g = try inner.backward(merged(upstream), tape: innerTape, rule: rule, weightGradients: weightGradients)
        g.inputs = [g.inputs[0].reshaped(x.shape)]                             // (N, T, …)
        return g
    }
}
