import Graph

/// ELU(alpha): ONNX Elu.
extension ELU: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        c.builder.op("Elu", [c.x], name: c.name, .float("alpha", Float(try cfg.double("alpha", default: 1))))
    }
}
