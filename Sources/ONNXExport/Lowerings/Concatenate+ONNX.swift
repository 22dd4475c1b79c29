import Graph

/// Concatenate(axis): ONNX Concat.
/// Its values do not depend on Keras masks.
extension Concatenate: ONNXMaskAwareLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let a = try cfg.int("axis", default: -1)
        return c.builder.op("Concat", c.inputs, name: c.name, .int("axis", a < 0 ? a + c.rank : a))
    }
}
