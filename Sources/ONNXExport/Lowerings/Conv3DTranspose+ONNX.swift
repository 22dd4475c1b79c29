import Graph

/// Conv3DTranspose: ONNX ConvTranspose over (N, C, D, H, W).
extension Conv3DTranspose: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.transposedConvolution(self, c) }
}
