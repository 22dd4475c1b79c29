import Graph

/// What ONNX calls a reduction over all positions (keyed on the operation type).
protocol ONNXReductionOperator {
    static var onnxReduce: String { get }
}
extension GlobalMean: ONNXReductionOperator { static var onnxReduce: String { "ReduceMean" } }
extension GlobalMaximum: ONNXReductionOperator { static var onnxReduce: String { "ReduceMax" } }

/// GlobalAverage/MaxPooling 1D/2D/3D: ReduceMean / ReduceMax over the spatial axes (`keepdims` as configured).
extension GlobalPooling: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let op = (Operation.self as? ONNXReductionOperator.Type)?.onnxReduce else { throw c.unsupported("global pooling \(Operation.self)") }
        let keep = try cfg.bool("keepdims", default: false)
        return c.builder.reduce(op, c.x, axes: Array(1..<(c.rank - 1)), keepdims: keep, name: c.name)
    }
}
