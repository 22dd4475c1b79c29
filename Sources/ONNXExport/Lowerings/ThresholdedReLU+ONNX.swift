import Graph

/// ThresholdedReLU(theta): ONNX ThresholdedRelu (x where x > θ, else 0).
extension ThresholdedReLU: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        c.builder.op("ThresholdedRelu", [c.x], name: c.name, .float("alpha", Float(try cfg.double("theta", default: 1))))
    }
}
