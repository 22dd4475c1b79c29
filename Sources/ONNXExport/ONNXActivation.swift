import Graph

/// Keras activation functions as ONNX nodes (the forms `Activation.apply` computes, constants included).
extension Activation {
    /// y = f(x) over the value `x`; softmax-like ones over the last axis of a `rank`-axis value.
    func lowerONNX(_ x: String, rank: Int, c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name
        func k(_ v: Float) -> String { b.scalar(v, name: "\(n)/\(rawValue)_const") }
        switch self {
        case .linear: return x
        case .relu: return b.op("Relu", [x], name: n)
        case .relu6: return b.op("Clip", [x, k(0), k(6)], name: n)
        case .elu, .celu: return b.op("Elu", [x], name: n, .float("alpha", 1))
        case .selu: return b.op("Selu", [x], name: n, .float("alpha", 1.6732632423543772), .float("gamma", 1.0507009873554805))
        case .sigmoid: return b.op("Sigmoid", [x], name: n)
        case .hardSigmoid: return b.op("HardSigmoid", [x], name: n, .float("alpha", 1.0 / 6), .float("beta", 0.5))
        case .hardSigmoidLegacy: return b.op("HardSigmoid", [x], name: n, .float("alpha", 0.2), .float("beta", 0.5))
        case .tanh: return b.op("Tanh", [x], name: n)
        case .softmax: return b.op("Softmax", [x], name: n, .int("axis", -1))
        case .logSoftmax: return b.op("LogSoftmax", [x], name: n, .int("axis", -1))
        case .softplus: return b.op("Softplus", [x], name: n)
        case .softsign: return b.op("Softsign", [x], name: n)
        case .swish, .silu: return b.op("Mul", [x, b.op("Sigmoid", [x], name: n)], name: n)
        case .hardSilu:
            return b.op("Mul", [x, b.op("HardSigmoid", [x], name: n, .float("alpha", 1.0 / 6), .float("beta", 0.5))], name: n)
        case .gelu:                                   // exact: x · ½ (1 + erf(x / √2))
            let e = b.op("Erf", [b.op("Mul", [x, k(Float(0.5.squareRoot()))], name: n)], name: n)
            return b.op("Mul", [b.op("Mul", [x, k(0.5)], name: n), b.op("Add", [e, k(1)], name: n)], name: n)
        case .exponential: return b.op("Exp", [x], name: n)
        case .leakyRelu: return b.op("LeakyRelu", [x], name: n, .float("alpha", 0.2))
        case .mish: return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x], name: n)], name: n)], name: n)
        case .hardTanh: return b.op("Clip", [x, k(-1), k(1)], name: n)
        case .tanhShrink: return b.op("Sub", [x, b.op("Tanh", [x], name: n)], name: n)
        case .logSigmoid: return b.op("Neg", [b.op("Softplus", [b.op("Neg", [x], name: n)], name: n)], name: n)
        case .hardShrink: return b.op("Shrink", [x], name: n, .float("lambd", 0.5), .float("bias", 0))
        case .softShrink: return b.op("Shrink", [x], name: n, .float("lambd", 0.5), .float("bias", 0.5))
        case .sparseSigmoid: return b.op("Clip", [b.op("Add", [b.op("Mul", [x, k(0.5)], name: n), k(0.5)], name: n), k(0), k(1)], name: n)
        case .squareplus:                             // (x + √(x² + 4)) / 2
            let r = b.op("Sqrt", [b.op("Add", [b.op("Mul", [x, x], name: n), k(4)], name: n)], name: n)
            return b.op("Mul", [b.op("Add", [x, r], name: n), k(0.5)], name: n)
        case .sparsePlus:                             // 0 for x ≤ −1, x for x ≥ 1, (x + 1)²/4 between
            let one = k(1), shifted = b.op("Add", [x, one], name: n)
            let middle = b.op("Mul", [b.op("Mul", [shifted, shifted], name: n), k(0.25)], name: n)
            let upper = b.op("Where", [b.op("Less", [x, one], name: n), middle, x], name: n)
            return b.op("Where", [b.op("Greater", [x, k(-1)], name: n), upper, k(0)], name: n)
        case .sparsemax:                              // as Keras 3: τ = (Σ over the support of the running sums − 1)/k
            let i64 = { (v: Int) in b.int64s([v], name: "\(n)/sparsemax_const", dims: []) }
            let depth = b.op("Gather", [b.op("Shape", [x], name: n), i64(-1)], name: n, .int("axis", 0))        // D
            let sorted = b.add("TopK", [x, b.reshape(depth, [1], name: n)], name: n,
                               attributes: [.int("axis", -1), .int("largest", 1), .int("sorted", 1)], outputs: 2)[0]
            let running = b.op("CumSum", [sorted, i64(-1)], name: n)
            let r = b.op("Cast", [b.op("Range", [i64(1), b.op("Add", [depth, i64(1)], name: n), i64(1)], name: n)], name: n, .int("to", 1))
            let support = b.op("Cast", [b.op("Greater", [b.op("Add", [k(1), b.op("Mul", [r, sorted], name: n)], name: n), running], name: n)],
                               name: n, .int("to", 1))
            let count = b.op("Max", [b.reduce("ReduceSum", support, axes: [-1], keepdims: true, name: n), k(1)], name: n)
            let total = b.reduce("ReduceSum", b.op("Mul", [running, support], name: n), axes: [-1], keepdims: true, name: n)
            let tau = b.op("Div", [b.op("Sub", [total, k(1)], name: n), count], name: n)
            return b.op("Relu", [b.op("Sub", [x, tau], name: n)], name: n)
        }
    }
}
