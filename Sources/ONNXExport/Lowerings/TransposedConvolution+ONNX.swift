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
        let cf = layer.cfg
        let (k, s, d) = try cf.convolutionWindow(rank: r)
        let padding = try cf.padding()
        let activation = try Activation(config: layer.config["activation"], layer: layer.name)
        let input = Array(c.inputShapes[0].dropLast()), output = Array(c.outputShape.dropLast())
        var begin: [Int] = [], end: [Int] = [], extra: [Int] = []
        for i in 0..<r {
            let span = (k[i] - 1) * d[i] + 1
            let full = (input[i] - 1) * s[i] + span
            let before = padding == .same ? max((input[i] - 1) * s[i] + span - output[i], 0) / 2 : 0
            let after = full - output[i] - before
            begin.append(before)
            end.append(max(after, 0))
            extra.append(max(-after, 0))
        }
        let w = layer.weights
        return try channelsFirst(c, activation: activation) { x in
            let b = c.builder
            var ins = [x, b.constant(kernelOIK(w[0].value), name: "\(c.name)/kernel")]
            if w.count > 1 { ins.append(b.constant(w[1].value, name: "\(c.name)/bias")) }
            return b.op("ConvTranspose", ins, name: c.name, .ints("kernel_shape", k), .ints("strides", s), .ints("dilations", d),
                        .ints("pads", begin + end), .ints("output_padding", extra))
        }
    }
}
