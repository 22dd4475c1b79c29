import Graph

/// ZeroPadding1D/2D: ONNX Pad of the spatial axes.
extension ZeroPadding: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        // pad: top, bottom, left, right (top and bottom 0 for 1-D); ONNX: every begin, then every end.
        let pads = c.rank == 3 ? [0, pad[2], 0, 0, pad[3], 0] : [0, pad[0], pad[2], 0, 0, pad[1], pad[3], 0]
        return c.builder.pad(c.x, pads, name: c.name)
    }
}
