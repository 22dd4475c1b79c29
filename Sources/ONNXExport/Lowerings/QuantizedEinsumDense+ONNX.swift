import Graph

/// A quantized EinsumDense: Einsum (every axis named) of the inputs as Keras quantizes them over the
/// reduced axes and the dequantized stored kernel, the bias (trailing axes of the output), the activation.
extension EinsumDense: ONNXQuantizedLowering {
    public func lowerQuantizedONNX(_ c: ONNXLoweringContext) throws -> String? {
        guard let form = try quantizedForm(), let equation = fullEquation else { return nil }
        let b = c.builder
        var y = b.op("Einsum", [try ONNXQuantized.input(c.x, form, c), try ONNXQuantized.weight(form, c)], name: c.name,
                     .string("equation", equation))
        if let bias = form.bias { y = b.op("Add", [y, b.constant(bias, name: "\(c.name)/bias")], name: c.name) }
        return try Activation(config: config["activation"], layer: name).lowerONNX(y, rank: c.outputShape.count + 1, c: c)
    }
}
