import Graph

/// Conv1DTranspose / Conv2DTranspose: ONNX ConvTranspose with TensorFlow's cropping as pads.
extension TransposedConvolution: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.transposedConvolution(self, c) }
}

extension ONNXWindow {
    /// A Keras transposed convolution of any rank ((k…, out, in) kernel) as ONNX ConvTranspose: the
    /// full transposed output cropped to Keras' length, the start cropped as the forward convolution pads.
    static func transposedConvolution(_ layer: any Layer, _ c: ONNXLoweringContext) throws -> String {
        let r = c.inputShapes[0].count - 1
        let w = try Settings(layer, c)
        let (k, s, d) = (w.kernel, w.strides, w.dilation)
        let input = Array(c.inputShapes[0].dropLast()), output = Array(c.outputShape.dropLast())
        var begin: [Int] = [], end: [Int] = [], extra: [Int] = []
        for i in 0..<r {
            let span = (k[i] - 1) * d[i] + 1
            let full = (input[i] - 1) * s[i] + span
            let before = w.padding == .same ? max((input[i] - 1) * s[i] + span - output[i], 0) / 2 : 0
            let after = full - output[i] - before
            begin.append(before)
            end.append(max(after, 0))
            extra.append(max(-after, 0))
        }
        return try channelsFirst(c, activation: w.activation) { x in
            c.builder.op("ConvTranspose", w.operands(x, layer, c), name: c.name, .ints("kernel_shape", k), .ints("strides", s), .ints("dilations", d),
                        .ints("pads", begin + end), .ints("output_padding", extra))
        }
    }
}
