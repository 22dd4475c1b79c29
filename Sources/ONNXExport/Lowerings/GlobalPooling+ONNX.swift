import Graph

/// What ONNX calls a reduction over all positions (keyed on the operation type).
protocol ONNXReductionOperator {
    static var onnxReduce: String { get }
}
extension GlobalMean: ONNXReductionOperator { static var onnxReduce: String { "ReduceMean" } }
extension GlobalMaximum: ONNXReductionOperator { static var onnxReduce: String { "ReduceMax" } }

/// GlobalAverage/MaxPooling 1D/2D/3D: ReduceMean / ReduceMax over the spatial axes (`keepdims` as configured).
/// GlobalAveragePooling1D under a Keras (N, T) mask averages the kept steps: Σ x·m / Σ m (the other kinds
/// ignore masks, as the layer does).
extension GlobalPooling: ONNXMaskAwareLowering, ONNXMaskDropping {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let op = (Operation.self as? ONNXReductionOperator.Type)?.onnxReduce else { throw c.unsupported("global pooling \(Operation.self)") }
        let keep = try cfg.bool("keepdims", default: false)
        if let mask = c.mask(0), op == "ReduceMean", c.rank == 3 {             // the other kinds ignore masks, as the layer
            let b = c.builder, n = c.name, m = b.reshape(mask, [0, c.inputShapes[0][0], 1], name: n)   // (N, T, 1)
            let sum = b.reduce("ReduceSum", b.op("Mul", [c.x, m], name: n), axes: [1], keepdims: keep, name: n)
            return b.op("Div", [sum, b.reduce("ReduceSum", m, axes: [1], keepdims: keep, name: n)], name: n)
        }
        return c.builder.reduce(op, c.x, axes: Array(1..<(c.rank - 1)), keepdims: keep, name: c.name)
    }
}
