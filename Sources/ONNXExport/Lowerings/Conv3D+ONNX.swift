import Graph

/// Conv3D (grouped too): ONNX Conv over (N, C, D, H, W).
extension Conv3D: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.convolution(self, c) }
}
