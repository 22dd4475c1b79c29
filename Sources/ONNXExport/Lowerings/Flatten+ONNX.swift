import Graph

/// Flatten: Reshape to (N, ∏ dims) in Keras' (channels-last) order.
extension Flatten: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { c.builder.reshape(c.x, [-1] + c.outputShape, name: c.name) }
}

/// Reshape: Reshape to (N, target) with the target as the layer resolved it.
extension Reshape: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { c.builder.reshape(c.x, [-1] + c.outputShape, name: c.name) }
}

/// Permute(dims): Transpose with the batch axis kept first.
extension Permute: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let dims = try cfg.intList("dims")
        return c.builder.transpose(c.x, [0] + dims, name: c.name)
    }
}

/// RepeatVector(n): (N, F) → (N, n, F) by Unsqueeze-free Reshape and Expand.
extension RepeatVector: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, f = c.inputShapes[0][0], n = c.outputShape[0]
        let column = b.reshape(c.x, [-1, 1, f], name: c.name)
        return b.op("Expand", [column, b.int64s([1, n, f], name: "\(c.name)/repeat")], name: c.name)
    }
}
