import Graph
import Tensor

/// Conv1D / Conv2D (grouped, dilated, causal): ONNX Conv over the channels-first view.
extension Convolution: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try ONNXWindow.convolution(self, c) }
}

extension ONNXWindow {
    /// A Keras convolution of any rank (its config and (k…, in/groups, out) kernel) as ONNX Conv.
    static func convolution(_ layer: any Layer, _ c: ONNXLoweringContext) throws -> String {
        let w = try Settings(layer, c, allowingCausal: c.inputShapes[0].count == 2)
        let groups = try layer.cfg.int("groups", default: 1)
        return try channelsFirst(c, activation: w.activation) { x in
            c.builder.op("Conv", w.operands(x, layer, c), name: c.name, .ints("kernel_shape", w.kernel), .ints("strides", w.strides),
                         .ints("dilations", w.dilation), .int("group", groups),
                         .ints("pads", pads(w.padding, input: Array(c.inputShapes[0].dropLast()), kernel: w.kernel, strides: w.strides, dilation: w.dilation)))
        }
    }

    /// A convolution's window, padding and activation as its config gives them.
    struct Settings {
        let kernel: [Int], strides: [Int], dilation: [Int]
        let padding: ConvGeometry.Padding
        let activation: Activation

        init(_ layer: any Layer, _ c: ONNXLoweringContext, allowingCausal: Bool = false) throws {
            let cf = layer.cfg
            (kernel, strides, dilation) = try cf.convolutionWindow(rank: c.inputShapes[0].count - 1)
            padding = try cf.padding(allowingCausal: allowingCausal)
            activation = try Activation(config: layer.config["activation"], layer: layer.name)
        }

        /// The op's inputs: x, the (k…, in, out) kernel as ONNX's (out, in, k…), the bias when there is one.
        func operands(_ x: String, _ layer: any Layer, _ c: ONNXLoweringContext) -> [String] {
            let w = layer.weights, b = c.builder
            return [x, b.constant(kernelOIK(w[0].value), name: "\(c.name)/kernel")] + (w.count > 1 ? [b.constant(w[1].value, name: "\(c.name)/bias")] : [])
        }
    }
}
