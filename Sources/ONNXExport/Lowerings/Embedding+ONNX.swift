import Graph

/// Embedding: the float indices cast to int64, then Gather of rows of the table.
extension Embedding: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        if quantization != nil { throw c.unsupported("a quantized Embedding (export with --dequantize)") }
        let b = c.builder
        let indices = b.op("Cast", [c.x], name: c.name, .int("to", 7))
        return b.op("Gather", [b.constant(weights[0].value, name: "\(c.name)/embeddings"), indices], name: c.name, .int("axis", 0))
    }
}
