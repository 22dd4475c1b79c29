import Graph
import Tensor

/// DepthwiseConv1D / DepthwiseConv2D: ONNX Conv with one group per input channel.
extension DepthwiseConvolution: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let activation = try Activation(config: config["activation"], layer: name)
        return try ONNXWindow.channelsFirst(c, activation: activation) { x in
            try ONNXWindow.depthwise(self, c, x: x, kernel: weights[0].value, bias: weights.count > 1 ? weights[1].value : nil)
        }
    }
}

extension ONNXWindow {
    /// The depthwise step over channels-first `x`: a (k…, C, dm) kernel as C groups of dm filters, output
    /// channel c·dm + m as Keras orders them.
    static func depthwise(_ layer: any Layer, _ c: ONNXLoweringContext, x: String, kernel: Tensor, bias: Tensor?) throws -> String {
        let r = c.inputShapes[0].count - 1
        let cf = layer.cfg
        let (k, s, d) = try cf.convolutionWindow(rank: r)
        let padding = try cf.padding(allowingCausal: r == 1)
        let channels = kernel.shape[r], dm = kernel.shape[r + 1]
        // (k…, C, dm) → (C, dm, k…) → (C·dm, 1, k…)
        var w = permuteAxes(kernel, [r, r + 1] + Array(0..<r))
        w.shape = [channels * dm, 1] + Array(kernel.shape[0..<r])
        let b = c.builder
        var ins = [x, b.constant(w, name: "\(c.name)/depthwise_kernel")]
        if let bias { ins.append(b.constant(bias, name: "\(c.name)/bias")) }
        return b.op("Conv", ins, name: c.name, .ints("kernel_shape", k), .ints("strides", s), .ints("dilations", d),
                    .int("group", channels),
                    .ints("pads", pads(padding, input: Array(c.inputShapes[0].dropLast()), kernel: k, strides: s, dilation: d)))
    }
}
