import Failure
import MemoryLimit
import Tensor

/// How a backward pass treats rectifiers (section 2.1 of the paper; Springenberg et al. for `guided`).
public enum BackwardRule: String, CaseIterable, Sendable {
    /// Plain backpropagation: the true gradient.
    case gradient
    /// Zeiler & Fergus: a ReLU passes relu(upstream), ignoring the forward input.
    case deconvnet
    /// Guided backprop: a ReLU passes upstream where both the forward input and upstream are positive.
    case guided
}

/// Inference uses moving statistics and identity dropout; training uses batch statistics and masks.
public enum ExecutionMode: Sendable { case inference, training }

/// One variable of a layer, in Keras' stored order (kernel, bias; gamma, beta, moving_mean, moving_variance …).
public struct WeightVariable: Sendable {
    /// Short name as Keras stores it, without layer prefix or `:0` ("kernel", "bias", "moving_mean").
    public var name: String
    public var value: Tensor
    public var trainable: Bool

    /// A zero placeholder of `shape` (values come from a file or an initializer later). Shapes come
    /// from configs, which may be hostile: refused before allocating when over the memory limit.
    public init(name: String, shape: [Int], trainable: Bool = true) throws {
        let bytes = DeclaredSize.product(shape + [MemoryLayout<Float>.stride])
        if let refusal = MemoryLimit.refusal("weight '\(name)' of shape \(shape)", declares: bytes, detail: "float32") {
            throw WeightDeclarationError(message: refusal)
        }
        self.name = name
        self.value = Tensor(shape: shape, data: Tensor.zeroFilled(shape.reduce(1, *), untouchedAbove: 16 << 10))
        self.trainable = trainable
    }
}

/// Some of a layer's variables as a Keras 3 file stores them: below the layer's group, the groups of
/// `path` (each key with the `name` its `vars` carries: `("cell", "lstm_cell")`), then `vars/0..<count`.
public struct Keras3VariableGroup: Sendable {
    public var path: [(key: String, name: String)]
    public var count: Int
    public init(path: [(key: String, name: String)], count: Int) {
        self.path = path
        self.count = count
    }
}

/// A weight whose declared shape cannot be allocated.
public struct WeightDeclarationError: ConvScopeFailure {
    public let message: String
    public var description: String { message }
}

/// What every layer carries: its name, the Keras class name it was made from, and its config as read.
public struct LayerIdentity: Sendable {
    public let name: String
    public var className: String
    public let config: JSON

    /// `kind`'s canonical class name until the registry records the one a file used.
    public init(_ kind: any Layer.Type, name: String, config: JSON) {
        self.name = name
        self.className = kind.kerasClassNames.first ?? "Unknown"
        self.config = config
    }
}

/// What a node remembers from its forward pass for the backward pass.
/// The executor fills `inputs` and `output`; layers add what else they need (switches, masks, statistics).
public final class Tape {
    public var inputs: [Tensor] = []
    public var output = Tensor(zeros: [0])
    public var saved: [Tensor] = []
    public var indices: [Int32] = []
    /// The masks the inputs came with (`Mask.swift`), one per input, nil where an input has none.
    public var masks: [Tensor?] = []
    public init() {}
}

/// Gradients a layer returns from `backward`: one per input, and (when asked) one per weight variable.
public struct LayerGradients {
    public var inputs: [Tensor]
    /// Same order as `Layer.weights`; empty when weight gradients were not requested.
    public var weights: [Tensor]
    public init(inputs: [Tensor], weights: [Tensor] = []) {
        self.inputs = inputs
        self.weights = weights
    }
}

/// Options a forward pass sees.
public struct ForwardContext {
    public var mode: ExecutionMode
    /// Source of randomness for training-time layers (Dropout, GaussianNoise).
    public var random: SeededRandom
    public init(mode: ExecutionMode = .inference, seed: UInt64 = 0) {
        self.mode = mode
        self.random = SeededRandom(seed: seed)
    }
}

/// A Keras layer kind. One file per kind, forward and backward side by side.
///
/// Shapes passed to `build` and returned from it are per-sample (no batch dimension),
/// as Keras prints them; tensors in `forward`/`backward` carry the batch first.
public protocol Layer: AnyObject {
    /// Keras class names this type implements (first one is canonical).
    static var kerasClassNames: [String] { get }
    /// Config keys Keras writes for this kind besides `LayerRegistry.commonConfigKeys`: the union over
    /// Keras 2.x, tf-keras 2.21 and Keras 3 `get_config()`. Any other key is reported as ignored.
    static var kerasConfigKeys: Set<String> { get }
    /// What the kind is, for code that treats kinds alike (default projections, per-filter weight
    /// changes, benchmarks) instead of testing class names. `.other` unless the type says otherwise.
    static var role: LayerRole { get }
    /// Whether the Keras class passes an incoming mask on unchanged (`supports_masking`); kinds that
    /// compute or read masks conform to `MaskAware` instead. Default: false (the mask is dropped).
    static var supportsMasking: Bool { get }
    /// Keras 3 files store a layer's variables by index only: their names, in order, for `config`.
    /// Default: `kernel`, `bias`.
    static func keras3VariableNames(config: JSON) -> [String]
    /// The name a Keras generation stores variable `name` (as `build` names it) under. Default: `name`.
    static func kerasVariableName(_ name: String, naming: KerasVariableNaming) -> String
    /// A tf-keras / Keras 2 config of this kind as Keras 3 accepts it. Default: unchanged.
    static func keras3Config(fromLegacy config: JSONObject) -> JSONObject
    /// The sub-object Keras stores this kind's variables under (a recurrent layer's `lstm_cell`). Default: nil.
    static var kerasCellName: String? { get }
    /// Where a Keras 3 file stores the `count` variables of a layer of this kind with `config`, in order.
    /// Default: all in the layer's own `vars`, or its cell's when `kerasCellName` is set.
    static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup]
    /// Creates the layer from its Keras config (the `config` object of a layer entry).
    init(name: String, config: JSON) throws

    /// Name, Keras class name and config, as read (`name`, `className` and `config` below read it).
    var identity: LayerIdentity { get set }
    /// Variables in Keras' stored order, with the shapes `build` gave them.
    var weights: [WeightVariable] { get set }
    /// False for layers ConvScope lists but cannot run (unknown kinds, Lambda).
    var isRunnable: Bool { get }

    /// What `inspect` should say about how this layer runs where it differs from Keras (a stateful RNN
    /// run from a zero state). Default: nothing.
    var remarks: [String] { get }
    /// Whether only tf.keras can load a model holding this layer (a CuDNNLSTM, or a wrapper around one):
    /// Keras 3 writers refuse it. Default: false.
    var needsTFKeras: Bool { get }
    /// Whether only Keras 3 can load a model holding this layer (a setting tf-keras lacks, MultiHeadAttention's
    /// `use_gate`): tf-keras writers refuse it. Default: false.
    var needsKeras3: Bool { get }

    /// Checks the input shapes, creates `weights` with Keras' shapes, returns the output shape.
    func build(inputShapes: [[Int]]) throws -> [Int]
    func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor
    /// `upstream` has the output's shape; the tape is the one filled by `forward` for this node.
    func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients
}

extension Layer {
    public static var role: LayerRole { .other }
    public static var supportsMasking: Bool { false }
    public static func keras3VariableNames(config: JSON) -> [String] { ["kernel", "bias"] }
    public static func kerasVariableName(_ name: String, naming: KerasVariableNaming) -> String { name }
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject { config }
    public static var kerasCellName: String? { nil }
    public static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup] {
        [Keras3VariableGroup(path: kerasCellName.map { [("cell", $0)] } ?? [], count: count)]
    }
    /// The role of this layer's kind.
    public var role: LayerRole { Self.role }
    public var name: String { identity.name }
    /// The Keras class name this instance was made from.
    public var className: String {
        get { identity.className }
        set { identity.className = newValue }
    }
    public var config: JSON { identity.config }

    public var isRunnable: Bool { true }
    public var remarks: [String] { [] }
    public var needsTFKeras: Bool { false }
    public var needsKeras3: Bool { false }
    /// Trainable flag from the config (`trainable: false` freezes every variable).
    public var configTrainable: Bool { config["trainable"]?.boolValue ?? true }
    public var parameterCount: Int { weights.reduce(0) { $0 + $1.value.count } }
    public var trainableParameterCount: Int {
        configTrainable ? weights.filter(\.trainable).reduce(0) { $0 + $1.value.count } : 0
    }
}

/// Errors about a layer: always name the layer and what is wrong.
public struct LayerError: ConvScopeFailure {
    public let layer: String
    public let message: String
    public init(_ layer: String, _ message: String) {
        self.layer = layer
        self.message = message
    }
    public var description: String { "layer '\(layer)': \(message)" }
}
