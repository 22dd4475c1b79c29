import Graph

/// Masking(mask_value): positions whose features all equal the value are zeroed:
/// y = x · max over the last axis of [x ≠ mask_value]. (Layers that read the mask it makes are refused by
/// `ONNXExporter`.)
extension Masking: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name
        let value = b.scalar(Float(try cfg.double("mask_value", default: 0)), name: "\(n)/mask_value")
        let differs = b.op("Cast", [b.op("Not", [b.op("Equal", [c.x, value], name: n)], name: n)], name: n, .int("to", 1))
        return b.op("Mul", [c.x, b.reduce("ReduceMax", differs, axes: [-1], keepdims: true, name: n)], name: n)
    }
}
