import Graph

/// EinsumDense: ONNX Einsum (opset 12 and later) of the input and the kernel with the layer's equation,
/// the bias (shaped as the output's trailing axes) added, then the activation. A quantized EinsumDense is
/// refused here (`--dequantize` writes its float form).
extension EinsumDense: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        if quantization != nil { throw c.unsupported("a quantized EinsumDense (export with --dequantize)") }
        let b = c.builder
        let equation = try cfg.string("equation").replacingOccurrences(of: " ", with: "")
        var y = b.op("Einsum", [c.x, b.constant(weights[0].value, name: "\(c.name)/kernel")], name: c.name, .string("equation", equation))
        if let bias = variable("bias") { y = b.op("Add", [y, b.constant(bias, name: "\(c.name)/bias")], name: c.name) }
        return try Activation(config: config["activation"], layer: name).lowerONNX(y, rank: c.outputShape.count + 1, c: c)
    }
}
