import Graph

/// TimeDistributed: time folded into the batch, (N, T, …) → (N·T, …), the inner layer's own lowering,
/// then (N·T, …′) → (N, T, …′).
/// A Keras mask passes through, and reaches a mask-reading inner kind with time folded into the batch.
extension TimeDistributed: ONNXMaskAwareLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let lowering = inner as? ONNXLowering else { throw c.unsupported("TimeDistributed(\(inner.className))") }
        if c.mask(0) != nil && inner is any MaskAware && !(inner is ONNXMaskAwareLowering) {
            throw c.unsupported("TimeDistributed(\(inner.className)) reading a Keras mask")
        }
        let b = c.builder, s = c.inputShapes[0], steps = s[0]
        let merged = b.reshape(c.x, [-1] + s.dropFirst(), name: c.name)
        var inside = c.with(inputs: [merged], inputShapes: [Array(s.dropFirst())], outputShape: Array(c.outputShape.dropFirst()))
        // The inner layer reads the mask with time folded into the batch, as the wrapper hands it on.
        let m = c.mask(0), maskShape = Array(s.dropLast())
        inside.masks = inner is any MaskAware && maskShape.count >= 2 ? [m.map { b.reshape($0, [-1] + maskShape.dropFirst(), name: c.name) }] : []
        let y = try lowering.lowerONNX(inside)
        return b.reshape(y, [-1, steps] + c.outputShape.dropFirst(), name: c.name)
    }
}
