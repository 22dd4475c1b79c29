import Tensor

/// A kind whose Keras 1 config (Keras 1.2: `nb_filter`, `border_mode`, `dim_ordering`, `output_dim` …)
/// uses keys of its own: it says how that config reads as the Keras 2 config of the same layer. Kinds whose
/// Keras 1 config differs only by the keys every kind shares (`Keras1Config.shared`) need not conform.
public protocol Keras1Convertible: Layer {
    /// This kind's own Keras 1 keys and the Keras 2 keys they became (`output_dim` → `units`).
    static var keras1Renames: [(keras1: String, keras2: String)] { get }
    /// `config` (Keras 1 keys, the shared ones already renamed) as this kind's Keras 2 config, for a layer
    /// written as `className`; throws for a Keras 1 setting with no Keras 2 equivalent. Default: the renames.
    static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject
}

extension Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [] }
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        Keras1Config.renamed(config, keras1Renames)
    }
}

/// What Keras 1 configs share, read once for every kind.
public enum Keras1Config {
    /// Keys Keras 1 wrote for what ConvScope does not run (initializers, regularizers, constraints): dropped.
    static let dropped: Set<String> = [
        "init", "inner_init", "W_regularizer", "b_regularizer", "activity_regularizer", "W_constraint", "b_constraint",
        "gamma_regularizer", "beta_regularizer", "U_regularizer", "dropout_W", "dropout_U", "input_length",
    ]

    /// The config every Keras 1 kind shares renamed: `dim_ordering` "th"/"tf" → `data_format`
    /// channels_first/channels_last, `border_mode` → `padding`, `subsample` → `strides`, `bias` → `use_bias`,
    /// the dropped keys removed.
    public static func shared(_ config: JSONObject, layer: String) throws -> JSONObject {
        var c = JSONObject()
        for (key, value) in config.pairs where !dropped.contains(key) {
            switch key {
            case "dim_ordering":
                switch value.stringValue {
                case "th": c["data_format"] = "channels_first"
                case "tf", "default": c["data_format"] = "channels_last"
                default: throw LayerError(layer, "dim_ordering \(value.serialized()) is not one Keras 1 wrote (th, tf)")
                }
            case "border_mode":
                guard let mode = value.stringValue, mode == "same" || mode == "valid" else {
                    throw LayerError(layer, "border_mode \(value.serialized()) is not supported (same, valid)")
                }
                c["padding"] = .string(mode)
            case "subsample": c["strides"] = value
            case "bias": c["use_bias"] = value
            default: c[key] = value
            }
        }
        return c
    }

    /// `config` with the per-axis kernel sizes under `keys` (`nb_row`, `nb_col`) as one `kernel_size`, when all are there.
    public static func kernelSize(_ config: JSONObject, from keys: [String]) -> JSONObject {
        var c = config
        let sizes = keys.compactMap { c[$0] }
        guard sizes.count == keys.count else { return c }
        for k in keys { c[k] = nil }
        c["kernel_size"] = .array(sizes)
        return c
    }

    /// `config` with each Keras 1 key of `renames` that it holds under its Keras 2 name.
    public static func renamed(_ config: JSONObject, _ renames: [(keras1: String, keras2: String)]) -> JSONObject {
        var c = config
        for (old, new) in renames { if let v = c[old] { c[old] = nil; c[new] = v } }
        return c
    }
}

extension LayerRegistry {
    /// Keras 1 classes that became other Keras 2 classes (a `Merge` by its `mode`): their facts' files say how.
    static let keras1Classes: [String: (JSONObject, String) throws -> (className: String, config: JSONObject)] = [
        "Merge": Keras1Merge.modern,
        "Deconvolution2D": Keras1Deconvolution.modern,
    ]

    /// A Keras 1 layer entry of `className` as the Keras 2 class and config `make` reads.
    public static func keras1Layer(className: String, config: JSONObject, layer: String) throws -> (className: String, config: JSONObject) {
        let shared = try Keras1Config.shared(config, layer: layer)
        if let modern = keras1Classes[className] { return try modern(shared, layer) }
        return (className, try Self.config(fromKeras1: config, className: className, layer: layer))
    }

    /// A Keras 1 layer config of `className` as Keras 2 writes it (what `make` reads).
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        let shared = try Keras1Config.shared(config, layer: layer)
        guard let kind = kind(named: className) as? any Keras1Convertible.Type else { return shared }
        return try kind.config(fromKeras1: shared, className: className, layer: layer)
    }
}

/// A kind whose Keras 1 files store its variables in another layout than Keras 2's (per-gate matrices of
/// the recurrent layers): the attacher gives it the stored tensors when their count is not its own.
public protocol Keras1WeightLayout: Layer {
    /// The stored Keras 1 variables (in stored order) as this layer's, in `weights` order; nil when they are
    /// not a layout this kind wrote.
    func variables(fromKeras1 stored: [Tensor]) -> [Tensor]?
}
