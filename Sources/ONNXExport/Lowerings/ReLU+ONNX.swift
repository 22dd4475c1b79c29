import Graph

/// ReLU(max_value, negative_slope, threshold): x ≥ max → max; threshold ≤ x < max → x; else slope·(x − threshold).
extension ReLU: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name, x = c.x
        let maxValue = try cfg.optionalDouble("max_value").map(Float.init)
        let slope = Float(try cfg.double("negative_slope", default: 0))
        let threshold = Float(try cfg.double("threshold", default: 0))
        var y: String
        if slope == 0 && threshold == 0 {
            y = b.op("Relu", [x], name: n)
        } else {
            let t = b.scalar(threshold, name: "\(n)/threshold")
            let below = b.op("Mul", [b.op("Sub", [x, t], name: n), b.scalar(slope, name: "\(n)/negative_slope")], name: n)
            y = b.op("Where", [b.op("Less", [x, t], name: n), below, x], name: n)
        }
        if let m = maxValue { y = b.op("Min", [y, b.scalar(m, name: "\(n)/max_value")], name: n) }
        return y
    }
}
