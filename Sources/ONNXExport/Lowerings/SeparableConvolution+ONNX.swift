import Graph
import Tensor

/// SeparableConv1D / SeparableConv2D: the depthwise Conv, then a 1×1 Conv with the pointwise kernel and bias.
extension SeparableConvolution: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let activation = try Activation(config: config["activation"], layer: name)
        let r = c.inputShapes[0].count - 1
        return try ONNXWindow.channelsFirst(c, activation: activation) { x in
            let b = c.builder
            let mid = try ONNXWindow.depthwise(self, c, x: x, kernel: weights[0].value, bias: nil)
            var ins = [mid, b.constant(ONNXWindow.kernelOIK(weights[1].value), name: "\(c.name)/pointwise_kernel")]
            if weights.count > 2 { ins.append(b.constant(weights[2].value, name: "\(c.name)/bias")) }
            return b.op("Conv", ins, name: c.name, .ints("kernel_shape", [Int](repeating: 1, count: r)))
        }
    }
}
