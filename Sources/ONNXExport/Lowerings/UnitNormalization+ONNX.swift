import Graph

/// UnitNormalization over its axes: y = x·min(1/√Σx², 10¹²) (Keras 3's `normalize`), the cap kept with Min.
extension UnitNormalization: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name, rank = c.rank
        let raw = config["axis"]?.arrayValue?.compactMap(\.intValue) ?? [config["axis"]?.intValue ?? -1]
        let axes = raw.map { $0 < 0 ? $0 + rank : $0 }.sorted()
        let sum = b.reduce("ReduceSum", b.op("Mul", [c.x, c.x], name: n), axes: axes, keepdims: true, name: n)
        let inverse = b.op("Reciprocal", [b.op("Sqrt", [sum], name: n)], name: n)
        let s = b.op("Min", [inverse, b.scalar(1e12, name: "\(n)/max_scale")], name: n)
        return b.op("Mul", [c.x, s], name: n)
    }
}
