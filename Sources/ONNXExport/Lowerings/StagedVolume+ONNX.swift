import Graph

/// MaxPooling3D, AveragePooling3D, UpSampling3D, ZeroPadding3D, Cropping3D: as the layer runs them —
/// its plane kind over every depth slice, then its depth kind along depth — each through its own lowering.
extension StagedVolume: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let p = plane as? ONNXLowering, let d = depth as? ONNXLowering else { throw c.unsupported(className) }
        let s = c.inputShapes[0], b = c.builder                                   // (D, H, W, C)
        let o = c.outputShape                                                     // (outD, outH, outW, C)
        let slices = b.reshape(c.x, [-1, s[1], s[2], s[3]], name: c.name)         // (N·D, H, W, C)
        let a = try p.lowerONNX(c.with(inputs: [slices], inputShapes: [[s[1], s[2], s[3]]], outputShape: [o[1], o[2], o[3]]))
        let columns = b.reshape(a, [-1, s[0], o[1] * o[2], o[3]], name: c.name)  // (N, D, outH·outW, C)
        let y = try d.lowerONNX(c.with(inputs: [columns], inputShapes: [[s[0], o[1] * o[2], o[3]]], outputShape: [o[0], o[1] * o[2], o[3]]))
        return b.reshape(y, [-1] + o, name: c.name)                               // (N, outD, outH, outW, C)
    }
}
