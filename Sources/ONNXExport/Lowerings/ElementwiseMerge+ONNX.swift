import Graph

/// What ONNX calls each elementwise merge (keyed on the operation type).
protocol ONNXMergeOperator {
    /// A variadic ONNX op over all inputs ("Sum", "Max" …), or a binary one folded left ("Sub", "Mul").
    static var onnxMerge: (op: String, variadic: Bool) { get }
}
extension Sum: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Add", false) } }
extension Difference: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Sub", false) } }
extension Product: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Mul", false) } }
extension Mean: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Mean", true) } }
extension Largest: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Max", true) } }
extension Smallest: ONNXMergeOperator { static var onnxMerge: (op: String, variadic: Bool) { ("Min", true) } }

/// Add, Subtract, Multiply, Average, Maximum, Minimum: the ONNX op over the inputs, left to right as Keras folds them.
/// Their values do not depend on Keras masks; their output's mask is the inputs' or-ed (`ONNXMasks`).
extension ElementwiseMerge: ONNXMaskAwareLowering, ONNXMergeMask {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let (op, variadic) = (Operation.self as? ONNXMergeOperator.Type)?.onnxMerge else { throw c.unsupported("merge \(Operation.self)") }
        if variadic { return c.builder.op(op, c.inputs, name: c.name) }
        return c.inputs.dropFirst().reduce(c.inputs[0]) { c.builder.op(op, [$0, $1], name: c.name) }
    }
}
