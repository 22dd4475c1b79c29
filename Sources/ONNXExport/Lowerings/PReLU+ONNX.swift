import Graph

/// PReLU: ONNX PRelu with α (shared axes of size 1) broadcast over the batch.
extension PReLU: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        c.builder.op("PRelu", [c.x, c.builder.constant(weights[0].value, name: "\(c.name)/alpha")], name: c.name)
    }
}
