import Graph

/// A quantized Embedding: Gather of rows of the dequantized stored table.
extension Embedding: ONNXQuantizedLowering {
    public func lowerQuantizedONNX(_ c: ONNXLoweringContext) throws -> String? {
        guard let form = try quantizedForm() else { return nil }
        let b = c.builder
        let indices = b.op("Cast", [c.x], name: c.name, .int("to", 7))
        // (…) indices → (…, output_dim)
        return b.op("Gather", [try ONNXQuantized.weight(form, c), indices], name: c.name, .int("axis", 0))
    }
}
