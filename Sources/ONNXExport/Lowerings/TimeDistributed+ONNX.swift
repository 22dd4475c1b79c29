import Graph

/// TimeDistributed: time folded into the batch, (N, T, …) → (N·T, …), the inner layer's own lowering,
/// then (N·T, …′) → (N, T, …′).
extension TimeDistributed: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let lowering = inner as? ONNXLowering else { throw c.unsupported("TimeDistributed(\(inner.className))") }
        let b = c.builder, s = c.inputShapes[0], steps = s[0]
        let merged = b.reshape(c.x, [-1] + s.dropFirst(), name: c.name)
        let y = try lowering.lowerONNX(c.with(inputs: [merged], inputShapes: [Array(s.dropFirst())], outputShape: Array(c.outputShape.dropFirst())))
        return b.reshape(y, [-1, steps] + c.outputShape.dropFirst(), name: c.name)
    }
}
