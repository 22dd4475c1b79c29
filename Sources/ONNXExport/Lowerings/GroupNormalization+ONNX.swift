import Graph
import Tensor

/// GroupNormalization(groups, axis): the channel axis split into (groups, channels/groups), mean and
/// biased variance per sample and group over the group's channels and every other axis, then γ and β
/// per channel — decomposed from ReduceMean so every opset gives Keras' numbers (ONNX's own
/// GroupNormalization op has per-group scale in opset 18 and only runs per channel from 21).
extension GroupNormalization: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name, rank = c.rank, shape = c.inputShapes[0]
        let rawAxis = config["axis"]?.arrayValue?.first?.intValue ?? config["axis"]?.intValue ?? -1
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis                          // with the batch
        let channels = shape[axis - 1]
        var groups = try cfg.int("groups", default: 32)
        if groups == -1 { groups = channels }
        // (N, …, C, …) → (N, …, G, C/G, …): reduce over every axis but the batch and G.
        var split = shape
        split.replaceSubrange((axis - 1)...(axis - 1), with: [groups, channels / groups])
        let x = b.reshape(c.x, [-1] + split, name: n)
        let axes = (1...split.count).filter { $0 != axis }
        let centred = b.op("Sub", [x, b.reduce("ReduceMean", x, axes: axes, keepdims: true, name: n)], name: n)
        let variance = b.reduce("ReduceMean", b.op("Mul", [centred, centred], name: n), axes: axes, keepdims: true, name: n)
        let eps = b.scalar(Float(try cfg.double("epsilon", default: 1e-3)), name: "\(n)/epsilon")
        let normalized = b.op("Div", [centred, b.op("Sqrt", [b.op("Add", [variance, eps], name: n)], name: n)], name: n)
        var y = b.reshape(normalized, [-1] + shape, name: n)
        // γ, β (C) broadcast along the channel axis: (C, 1, …, 1).
        for (key, op) in [("gamma", "Mul"), ("beta", "Add")] {
            guard var t = variable(key) else { continue }
            t.shape = [channels] + [Int](repeating: 1, count: rank - 1 - axis)
            y = b.op(op, [y, b.constant(t, name: "\(n)/\(key)")], name: n)
        }
        return y
    }
}
