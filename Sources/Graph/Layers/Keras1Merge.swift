/// Keras 1.2's `Merge` layer: one class whose `mode` chose the merge, read as the Keras 2 layer of that
/// mode — sum `Add`, mul `Multiply`, ave `Average`, max `Maximum`, concat `Concatenate(axis: concat_axis)`,
/// dot `Dot(axes: dot_axes)`, cos `Dot(axes: dot_axes, normalize: true)` (Keras 1 divided the dot product by
/// max(‖a‖·‖b‖, 1e-7), Keras 3 scales each input by min(1/‖x‖, 1e7): the same unless a norm is below 1e-7).
/// A `mode` given as a Python function (`mode_type: "lambda"`) is refused naming the layer; so is the
/// Sequential form (`layers`: a merge of whole branch models) anywhere but first in a Keras 1 Sequential, where
/// KerasIO's config builder builds the branches and gives this merge their outputs.
public enum Keras1Merge {
    static let modes: [String: String] = [
        "sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum", "concat": "Concatenate", "dot": "Dot", "cos": "Dot",
    ]

    /// The Keras 2 class and config a Keras 1 `Merge` config describes.
    public static func modern(_ config: JSONObject, layer: String) throws -> (className: String, config: JSONObject) {
        if config["layers"] != nil {
            throw LayerError(layer, "is a Keras 1 Merge of Sequential branch models that is not a Sequential's first layer, "
                             + "which ConvScope does not read")
        }
        guard config["mode_type"]?.stringValue ?? "raw" == "raw", let mode = config["mode"]?.stringValue,
              let cls = modes[mode] else {
            throw LayerError(layer, "Merge mode \(config["mode"]?.serialized() ?? "null") is not one ConvScope runs "
                             + "(sum, mul, concat, ave, max, dot, cos; a Python function never runs)")
        }
        var c = JSONObject()
        for key in ["name", "trainable", "batch_input_shape", "dtype"] { if let v = config[key] { c[key] = v } }
        switch mode {
        case "concat": c["axis"] = config["concat_axis"] ?? -1
        case "dot", "cos":
            c["axes"] = config["dot_axes"] ?? -1
            c["normalize"] = .bool(mode == "cos")
        default: break
        }
        return (cls, c)
    }
}
