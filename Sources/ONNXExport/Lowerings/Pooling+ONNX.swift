import Graph

/// What ONNX calls a window reduction of ConvScope's pooling kinds (keyed on the operation type).
protocol ONNXPoolingOperator {
    static var onnxPool: String { get }
}
extension WindowMean: ONNXPoolingOperator { static var onnxPool: String { "AveragePool" } }
extension WindowMaximum: ONNXPoolingOperator { static var onnxPool: String { "MaxPool" } }

/// MaxPooling1D/2D, AveragePooling1D/2D: ONNX MaxPool / AveragePool with TensorFlow's padding; the
/// average leaves padded cells out of the count, as TensorFlow does.
extension Pooling: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.pooling(self, Operation.self, c) }
}

extension ONNXWindow {
    static func pooling(_ layer: any Layer, _ operation: Any.Type, _ c: ONNXLoweringContext) throws -> String {
        guard let op = (operation as? ONNXPoolingOperator.Type)?.onnxPool else { throw c.unsupported("pooling \(operation)") }
        let r = c.inputShapes[0].count - 1
        let (k, s) = try layer.cfg.poolingWindow(rank: r)
        let padding = try layer.cfg.padding()
        let p = pads(padding, input: Array(c.inputShapes[0].dropLast()), kernel: k, strides: s, dilation: [Int](repeating: 1, count: r))
        return try channelsFirst(c) { x in
            var attributes: [ONNXAttribute] = [.ints("kernel_shape", k), .ints("strides", s), .ints("pads", p)]
            if op == "AveragePool" { attributes.append(.int("count_include_pad", 0)) }
            return c.builder.add(op, [x], name: c.name, attributes: attributes)[0]
        }
    }
}
