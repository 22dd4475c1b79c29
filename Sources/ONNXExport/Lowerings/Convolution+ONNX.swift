import Graph

/// Conv1D / Conv2D (grouped, dilated, causal): ONNX Conv over the channels-first view.
extension Convolution: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.convolution(self, c) }
}

extension ONNXWindow {
    /// A Keras convolution of any rank (its config and (k…, in/groups, out) kernel) as ONNX Conv.
    static func convolution(_ layer: any Layer, _ c: ONNXLoweringContext) throws -> String {
        let r = c.inputShapes[0].count - 1
        let cf = layer.cfg
        let (k, s, d) = try cf.convolutionWindow(rank: r)
        let padding = try cf.padding(allowingCausal: r == 1)
        let groups = try cf.int("groups", default: 1)
        let activation = try Activation(config: layer.config["activation"], layer: layer.name)
        let w = layer.weights
        return try channelsFirst(c, activation: activation) { x in
            let b = c.builder
            var ins = [x, b.constant(kernelOIK(w[0].value), name: "\(c.name)/kernel")]
            if w.count > 1 { ins.append(b.constant(w[1].value, name: "\(c.name)/bias")) }
            return b.op("Conv", ins, name: c.name, .ints("kernel_shape", k), .ints("strides", s), .ints("dilations", d),
                        .int("group", groups),
                        .ints("pads", pads(padding, input: Array(c.inputShapes[0].dropLast()), kernel: k, strides: s, dilation: d)))
        }
    }
}
