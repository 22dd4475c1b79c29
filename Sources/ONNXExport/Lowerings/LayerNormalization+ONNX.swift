import Graph
import Tensor

/// LayerNormalization over its axes as Keras computes it: (x − mean)·rsqrt(var + ε)·γ + β, or with
/// `rms_scaling` x·rsqrt(mean(x²) + ε)·γ. From opset 17 the ONNX LayerNormalization op when the axes are
/// the trailing block it normalizes (not `rms_scaling`); otherwise, and below opset 17, written out of
/// ReduceMean so any axes and opsets work.
extension LayerNormalization: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name, rank = c.rank
        let raw = config["axis"]?.arrayValue?.compactMap(\.intValue) ?? [config["axis"]?.intValue ?? -1]
        let axes = raw.map { $0 < 0 ? $0 + rank : $0 }.sorted()
        let rms = try cfg.bool("rms_scaling", default: false)
        let epsilon = Float(try cfg.double("epsilon", default: 1e-3))
        // Opset 17 and later: ONNX LayerNormalization, when the axes are the trailing ones it normalizes.
        if c.opset >= 17 && !rms && axes == Array(axes[0]..<rank) {
            let normalized = Array(c.inputShapes[0][(axes[0] - 1)...])
            func parameter(_ key: String, _ fill: Float) -> Tensor {
                var t = variable(key) ?? Tensor(repeating: fill, shape: normalized)
                t.shape = normalized
                return t
            }
            let ins = [c.x, b.constant(parameter("gamma", 1), name: "\(n)/gamma")]
                + (variable("beta").map { _ in [b.constant(parameter("beta", 0), name: "\(n)/beta")] } ?? [])
            return b.op("LayerNormalization", ins, name: n, .int("axis", axes[0]), .float("epsilon", epsilon))
        }
        let eps = b.scalar(epsilon, name: "\(n)/epsilon")
        var centred = c.x
        if !rms { centred = b.op("Sub", [c.x, b.reduce("ReduceMean", c.x, axes: axes, keepdims: true, name: n)], name: n) }
        let variance = b.reduce("ReduceMean", b.op("Mul", [centred, centred], name: n), axes: axes, keepdims: true, name: n)
        var y = b.op("Div", [centred, b.op("Sqrt", [b.op("Add", [variance, eps], name: n)], name: n)], name: n)
        // γ and β hold the normalized axes' sizes; broadcast them over the others.
        let full = (1..<rank).map { axes.contains($0) ? c.inputShapes[0][$0 - 1] : 1 }
        let trimmed = Array(full.drop { $0 == 1 && !axes.isEmpty })
        for (key, op) in [("gamma", "Mul"), ("beta", "Add")] {
            guard var t = variable(key) else { continue }
            t.shape = trimmed
            y = b.op(op, [y, b.constant(t, name: "\(n)/\(key)")], name: n)
        }
        return y
    }
}
