import Graph

/// A quantized Dense: MatMul of the inputs as Keras quantizes them and the dequantized stored kernel,
/// the bias as Keras adds it, the activation.
extension Dense: ONNXQuantizedLowering {
    public func lowerQuantizedONNX(_ c: ONNXLoweringContext) throws -> String? {
        guard let form = try quantizedForm() else { return nil }
        let b = c.builder
        // (…, In) × (In, Out) → (…, Out)
        var y = b.op("MatMul", [try ONNXQuantized.input(c.x, form, c), try ONNXQuantized.weight(form, c, intoMatMul: true)], name: c.name)
        if let bias = form.bias { y = b.op("Add", [y, b.constant(bias, name: "\(c.name)/bias")], name: c.name) }
        return try Activation(config: config["activation"], layer: name).lowerONNX(y, rank: c.outputShape.count + 1, c: c)
    }
}
