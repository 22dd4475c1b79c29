/// One application of a layer as a model config records it: how each tensor input was passed (by
/// position or under a keyword such as `value` or `attention_mask`), in the order the graph node lists
/// its inputs, and the call's other arguments (`use_causal_mask`, `training` …). Keras 3 writes them as
/// `{"args": […], "kwargs": {…}}`, tf-keras as `[[layer, node, tensor, {kwargs}], …]` with tensors in
/// the kwargs as `[layer, node, tensor]`; `KerasIO` reads both into this.
public struct LayerCall: Sendable, Equatable {
    /// Per input, in node order: nil when passed by position (or in the one list argument), else its keyword.
    public var keywords: [String?]
    /// Keyword arguments that are not tensors, as written (nulls dropped).
    public var options: [String: JSON]

    public init(keywords: [String?], options: [String: JSON] = [:]) {
        self.keywords = keywords
        self.options = options
    }

    /// A call passing `count` tensors by position and nothing else.
    public static func positional(_ count: Int) -> LayerCall { LayerCall(keywords: Array(repeating: nil, count: count)) }
}

/// A layer kind whose call takes several named tensor arguments or call options (the attention
/// layers: `query`, `value`, `key`, `attention_mask`, `use_causal_mask`). The model reader binds each
/// application's `LayerCall` before the node is built; the file converters ask `kerasCallArguments` to
/// move positional tensors into keywords for tf-keras, which passes only the first one positionally.
public protocol CallBindingLayer: Layer {
    /// The call's leading parameters in Keras' order (`["query", "value", "key"]`); empty when the
    /// tensors come as one list.
    static var kerasCallArguments: [String] { get }
    /// Takes one application's arguments. Throws (naming the layer and the argument) for what the
    /// layer cannot honour, and when a shared layer is called with different arguments.
    func bind(_ call: LayerCall) throws
    /// A Keras 3 config of this kind as tf-keras accepts it, given the shapes (batch included, as Keras
    /// writes them) of the tensors the call passed, by argument name. Default: unchanged.
    static func tfKerasConfig(fromKeras3 config: JSONObject, inputShapes: [String: JSON]) -> JSONObject
}

extension CallBindingLayer {
    public static func tfKerasConfig(fromKeras3 config: JSONObject, inputShapes: [String: JSON]) -> JSONObject { config }
}

extension LayerRegistry {
    /// The call's leading parameter names of `className`'s kind (empty for kinds taking one tensor or a list).
    public static func callArguments(ofClass className: String) -> [String] {
        (kind(named: className) as? any CallBindingLayer.Type)?.kerasCallArguments ?? []
    }
    /// A Keras 3 config of `className` as tf-keras accepts it, given its call's tensor shapes by argument name.
    public static func tfKerasConfig(fromKeras3 config: JSONObject, className: String, inputShapes: [String: JSON]) -> JSONObject {
        (kind(named: className) as? any CallBindingLayer.Type)?.tfKerasConfig(fromKeras3: config, inputShapes: inputShapes) ?? config
    }
    /// Whether `className`'s kind reads its call's keywords (tensors under keywords stay keywords).
    public static func bindsCalls(_ className: String) -> Bool { kind(named: className) is any CallBindingLayer.Type }
}
