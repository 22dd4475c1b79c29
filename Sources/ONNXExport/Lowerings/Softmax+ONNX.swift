import Graph

/// Softmax(axis): ONNX Softmax over that axis (opset 13 and later: one axis, not the flattened tail).
extension Softmax: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        c.builder.op("Softmax", [c.x], name: c.name, .int("axis", try cfg.int("axis", default: -1)))
    }
}
