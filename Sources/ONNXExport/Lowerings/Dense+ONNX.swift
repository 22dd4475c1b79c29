import Graph

/// Dense: MatMul over the last axis (any rank), bias, activation. A quantized Dense is written from its
/// dequantized kernel (`--dequantize` semantics); `ONNXExporter` refuses it otherwise.
extension Dense: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        if quantization != nil { throw c.unsupported("a quantized Dense (export with --dequantize)") }
        let b = c.builder
        var y = b.op("MatMul", [c.x, b.constant(weights[0].value, name: "\(c.name)/kernel")], name: c.name)
        if let bias = variable("bias") { y = b.op("Add", [y, b.constant(bias, name: "\(c.name)/bias")], name: c.name) }
        return try Activation(config: config["activation"], layer: name).lowerONNX(y, rank: c.outputShape.count + 1, c: c)
    }
}
