import Graph

/// TimeDistributed: time folded into the batch, (N, T, …) → (N·T, …), the inner layer's own lowering,
/// then (N·T, …′) → (N, T, …′).
/// A Keras mask passes through; an inner kind that would read it is refused.
extension TimeDistributed: ONNXMaskAwareLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let lowering = inner as? ONNXLowering else { throw c.unsupported("TimeDistributed(\(inner.className))") }
        if c.mask(0) != nil && inner is any MaskAware { throw c.unsupported("TimeDistributed(\(inner.className)) reading a Keras mask") }
        let b = c.builder, s = c.inputShapes[0], steps = s[0]
        let merged = b.reshape(c.x, [-1] + s.dropFirst(), name: c.name)
        var inside = c.with(inputs: [merged], inputShapes: [Array(s.dropFirst())], outputShape: Array(c.outputShape.dropFirst()))
        inside.masks = []
        let y = try lowering.lowerONNX(inside)
        return b.reshape(y, [-1, steps] + c.outputShape.dropFirst(), name: c.name)
    }
}
