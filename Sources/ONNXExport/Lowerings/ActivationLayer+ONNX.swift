import Graph

/// Activation: the function as ONNX nodes (`Activation.lowerONNX`).
extension ActivationLayer: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        try Activation(config: config["activation"], layer: name).lowerONNX(c.x, rank: c.rank, c: c)
    }
}
