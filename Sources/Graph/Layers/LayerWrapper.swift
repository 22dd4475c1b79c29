import Tensor

/// What the wrapper kinds (`Bidirectional`, `TimeDistributed`) share: the wrapped layer, read from the
/// `{"class_name", "config"}` entry under a key of the wrapper's config, and its legacy config
/// converted for Keras 3 by its own kind.
enum LayerWrapper {
    /// The layer described by `config[key]`; `rename` may replace its config (a name, a flag).
    static func inner(_ config: JSON, key: String, wrapper: String,
                      rename: (JSONObject) -> JSONObject = { $0 }) throws -> any Layer {
        guard let entry = config[key], let className = entry["class_name"]?.stringValue,
              let inner = entry["config"]?.objectValue else {
            throw LayerError(wrapper, "config '\(key)' is not a {class_name, config} layer entry")
        }
        guard LayerRegistry.isSupported(className) else {
            throw LayerError(wrapper, "wraps a \(className), which ConvScope cannot run")
        }
        let c = rename(inner)
        return try LayerRegistry.make(className: className, name: c["name"]?.stringValue ?? wrapper, config: .object(c))
    }

    /// `config` with the layer entries under `keys` converted by their kinds (`time_major` dropped …).
    static func keras3Config(fromLegacy config: JSONObject, keys: [String]) -> JSONObject {
        var c = config
        for key in keys {
            guard var entry = c[key]?.objectValue, let className = entry["class_name"]?.stringValue,
                  let inner = entry["config"]?.objectValue else { continue }
            entry["config"] = .object(LayerRegistry.keras3Config(fromLegacy: inner, className: className))
            c[key] = .object(entry)
        }
        return c
    }

    /// Runs `layer` on `inputs` with a fresh tape, as the executor would for a node of its own.
    static func recorded(_ layer: any Layer, _ inputs: [Tensor], context: inout ForwardContext) throws -> Tape {
        let tape = Tape()
        tape.inputs = inputs
        tape.output = try layer.forward(inputs, context: &context, tape: tape)
        return tape
    }
}
