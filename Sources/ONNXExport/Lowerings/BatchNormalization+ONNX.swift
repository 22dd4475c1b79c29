import Graph
import Tensor

/// BatchNormalization with its moving statistics: ONNX BatchNormalization over the channels-first view
/// when it normalizes the channels of an image-like value, else x·scale + shift broadcast along its axis.
extension BatchNormalization: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, rank = c.rank
        let a = try onnxAxis(rank: rank)
        let mean = variable("moving_mean")!, variance = variable("moving_variance")!
        let channels = mean.count
        let gamma = variable("gamma") ?? Tensor(repeating: 1, shape: [channels])
        let beta = variable("beta") ?? Tensor(zeros: [channels])
        let epsilon = Float(try cfg.double("epsilon", default: 1e-3))
        if a == rank - 1 && rank >= 3 {
            return try ONNXWindow.channelsFirst(c) { x in
                b.op("BatchNormalization", [x, b.constant(gamma, name: "\(c.name)/gamma"), b.constant(beta, name: "\(c.name)/beta"),
                                            b.constant(mean, name: "\(c.name)/moving_mean"),
                                            b.constant(variance, name: "\(c.name)/moving_variance")],
                     name: c.name, .float("epsilon", epsilon))
            }
        }
        var scale = Tensor(zeros: [channels] + [Int](repeating: 1, count: rank - 1 - a))
        var shift = scale
        for i in 0..<channels {
            scale.data[i] = gamma.data[i] / (variance.data[i] + epsilon).squareRoot()
            shift.data[i] = beta.data[i] - mean.data[i] * scale.data[i]
        }
        let y = b.op("Mul", [c.x, b.constant(scale, name: "\(c.name)/scale")], name: c.name)
        return b.op("Add", [y, b.constant(shift, name: "\(c.name)/shift")], name: c.name)
    }

    /// The normalized axis counted with the batch axis.
    func onnxAxis(rank: Int) throws -> Int {
        let raw = config["axis"]?.arrayValue?.first?.intValue ?? config["axis"]?.intValue ?? -1
        return raw < 0 ? raw + rank : raw
    }
}
