import Graph

/// Cropping1D/2D: ONNX Slice of the spatial axes.
extension Cropping: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let s = c.inputShapes[0]
        if c.rank == 3 { return c.builder.slice(c.x, starts: [crop[2]], ends: [s[0] - crop[3]], axes: [1], name: c.name) }
        return c.builder.slice(c.x, starts: [crop[0], crop[2]], ends: [s[0] - crop[1], s[1] - crop[3]], axes: [1, 2], name: c.name)
    }
}
