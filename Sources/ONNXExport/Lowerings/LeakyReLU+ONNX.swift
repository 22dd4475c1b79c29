import Graph

/// LeakyReLU(negative_slope / alpha, default 0.3): ONNX LeakyRelu.
extension LeakyReLU: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let key = cfg.has("negative_slope") ? "negative_slope" : "alpha"
        return c.builder.op("LeakyRelu", [c.x], name: c.name, .float("alpha", Float(try cfg.double(key, default: 0.3))))
    }
}
