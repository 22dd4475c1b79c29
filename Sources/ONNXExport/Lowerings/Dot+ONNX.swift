import Graph

/// Dot(axes, normalize): each input, L2-normalized along its axis when asked (scale min(1/√Σx², 10⁷),
/// as the layer), moved to (N, M, K) and (N, K, P), one batched MatMul, reshaped to Keras' output.
extension Dot: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name
        let raw = config["axes"]?.intValue.map { [$0, $0] } ?? config["axes"]?.arrayValue?.compactMap(\.intValue) ?? []
        guard raw.count == 2 else { throw c.unsupported("Dot with axes \(config["axes"]?.serialized() ?? "null")") }
        let axes = (0..<2).map { k -> Int in                                      // with the batch
            let rank = c.inputShapes[k].count + 1
            return raw[k] < 0 ? ((raw[k] % rank) + rank) % rank : raw[k]
        }
        var xs = c.inputs
        if try cfg.bool("normalize", default: false) {
            for k in 0..<2 {
                let sum = b.reduce("ReduceSum", b.op("Mul", [xs[k], xs[k]], name: n), axes: [axes[k]], keepdims: true, name: n)
                let s = b.op("Min", [b.op("Reciprocal", [b.op("Sqrt", [sum], name: n)], name: n), b.scalar(1e7, name: "\(n)/max_scale")], name: n)
                xs[k] = b.op("Mul", [xs[k], s], name: n)
            }
        }
        // x: (N, …, K at axes[0], …) → (N, M, K); y → (N, K, P).
        let (sx, sy) = (c.inputShapes[0], c.inputShapes[1])
        let kx = (1...sx.count).filter { $0 != axes[0] }, ky = (1...sy.count).filter { $0 != axes[1] }
        let depth = sx[axes[0] - 1]
        let x = b.reshape(b.transpose(xs[0], [0] + kx + [axes[0]], name: n), [-1, kx.map { sx[$0 - 1] }.reduce(1, *), depth], name: n)
        let y = b.reshape(b.transpose(xs[1], [0, axes[1]] + ky, name: n), [-1, depth, ky.map { sy[$0 - 1] }.reduce(1, *)], name: n)
        return b.reshape(b.op("MatMul", [x, y], name: n), [-1] + c.outputShape, name: n)
    }
}
