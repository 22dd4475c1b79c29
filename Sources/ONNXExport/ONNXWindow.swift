import Graph
import Tensor

/// Padding and kernel layouts shared by the window lowerings (convolutions, pooling).
enum ONNXWindow {
    /// ONNX `pads` (all begins, then all ends) giving TensorFlow's padding over `input` spatial sizes:
    /// "same" puts the odd extra cell at the end, "causal" pads (k − 1)·d at the start only.
    static func pads(_ padding: ConvGeometry.Padding, input: [Int], kernel: [Int], strides: [Int], dilation: [Int]) -> [Int] {
        var begin: [Int] = [], end: [Int] = []
        for i in input.indices {
            let k = (kernel[i] - 1) * dilation[i] + 1
            switch padding {
            case .valid: begin.append(0); end.append(0)
            case .causal: begin.append(k - 1); end.append(0)
            case .same:
                let out = (input[i] + strides[i] - 1) / strides[i]
                let total = max((out - 1) * strides[i] + k - input[i], 0)
                begin.append(total / 2)
                end.append(total - total / 2)
            }
        }
        return begin + end
    }

    /// Keras' (k1, …, kr, in, out) kernel as ONNX's (out, in, k1, …, kr); a transposed convolution's
    /// (k…, out, in) kernel is ONNX ConvTranspose's (in, out, k…) by the same permutation.
    static func kernelOIK(_ kernel: Tensor) -> Tensor {
        let r = kernel.shape.count - 2
        return permuteAxes(kernel, [r + 1, r] + Array(0..<r))
    }

    /// A convolution-like op over a channels-last value: transpose to channels first, `body`, the
    /// activation (in the channels-first region, so chains of these cancel their transposes), back.
    static func channelsFirst(_ c: ONNXLoweringContext, activation: Activation = .linear,
                              body: (String) throws -> String) throws -> String {
        let b = c.builder, rank = c.rank
        let x = b.toChannelsFirst(c.x, rank: rank, name: c.name)
        var y = try body(x)
        if activation == .softmax || activation == .logSoftmax {
            y = b.toChannelsLast(y, rank: rank, name: c.name)
            return try activation.lowerONNX(y, rank: rank, c: c)
        }
        y = try activation.lowerONNX(y, rank: rank, c: c)
        return b.toChannelsLast(y, rank: rank, name: c.name)
    }
}
