/// Keras 1.2's `Deconvolution2D(nb_filter, nb_row, nb_col, output_shape, subsample, border_mode, dim_ordering)`,
/// read as Keras 2's `Conv2DTranspose`. Keras 1 ran `tf.nn.conv2d_transpose` to the `output_shape` its config
/// names ((batch, rows, cols, filters) for `dim_ordering` "tf", (batch, filters, rows, cols) for "th"); that
/// size becomes Keras 2's `output_padding`, with the layer's input size the one TensorFlow requires of it
/// (valid: ⌈(out − k + 1)/s⌉, same: ⌈out/s⌉) — a model whose input is not that size fails to build, naming
/// the layer. A null rows or cols is Keras 1's own length for the input (valid: (in − 1)·s + k; same: (in − 1)·s + k mod 2).
/// Its kernel is stored as a Keras 1 convolution's ((rows, cols, in, out), "th" (out, in, rows, cols)):
/// `KernelLayout` turns it into the (rows, cols, filters, in) the layer computes with.
public enum Keras1Deconvolution {
    /// The Keras 2 class and config a Keras 1 `Deconvolution2D` config (shared keys already renamed) describes.
    public static func modern(_ config: JSONObject, layer: String) throws -> (className: String, config: JSONObject) {
        var c = Keras1Config.kernelSize(Keras1Config.renamed(config, [("nb_filter", "filters")]), from: ["nb_row", "nb_col"])
        let first = c["data_format"]?.stringValue == "channels_first"
        guard let shape = c["output_shape"]?.arrayValue, shape.count == 4 else {
            throw LayerError(layer, "output_shape \(c["output_shape"]?.serialized() ?? "null") is not a 4-entry (batch, \(first ? "filters, rows, cols" : "rows, cols, filters")) shape")
        }
        c["output_shape"] = nil
        let cfg = LayerConfig(layer: layer, json: .object(c))
        let k = try cfg.ints("kernel_size", count: 2), s = try cfg.ints("strides", count: 2, default: [1, 1])
        let valid = try cfg.string("padding", default: "valid") == "valid"
        guard (k + s).allSatisfy({ $0 > 0 }) else { throw LayerError(layer, "nb_row, nb_col and subsample must be positive") }
        var padding: [Int] = [], isDefault = true
        let sizes: [JSON] = first ? [shape[2], shape[3]] : [shape[1], shape[2]]
        for axis in 0..<2 {
            if sizes[axis].isNull { padding.append(0); isDefault = false; continue }
            guard let out = sizes[axis].intValue, out > 0 else {
                throw LayerError(layer, "output_shape \(JSON.array(shape).serialized()) has a size that is not a positive integer")
            }
            let kk: Int = k[axis], ss: Int = s[axis]
            let input: Int = valid ? (out - kk + ss) / ss : (out + ss - 1) / ss        // the input TensorFlow requires
            let op: Int = out - ((input - 1) * ss + (valid ? kk : kk % 2))
            guard input > 0, op >= 0, op <= ss else {
                throw LayerError(layer, "output_shape \(JSON.array(shape).serialized()) has no Conv2DTranspose output_padding "
                                 + "for kernel \(k) and subsample \(s) (\(valid ? "valid" : "same"))")
            }
            padding.append(op)
            isDefault = isDefault && out == input * ss + (valid ? max(kk - ss, 0) : 0)
        }
        // Keras 2's own size (output_padding null) needs no padding, which could otherwise reach the stride (same, k even)
        c["output_padding"] = isDefault ? .null : .array(padding.map { .number(Double($0)) })
        if !isDefault, zip(padding, s).contains(where: { $0 >= $1 }) {
            throw LayerError(layer, "output_shape \(JSON.array(shape).serialized()) needs an output_padding \(padding) that is not below subsample \(s)")
        }
        return ("Conv2DTranspose", c)
    }
}
