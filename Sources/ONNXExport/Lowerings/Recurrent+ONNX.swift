import Graph
import Tensor

/// How ONNX writes a recurrent cell: its op, and which Keras gate block feeds each ONNX gate.
protocol ONNXRecurrentCell {
    static var onnxOp: String { get }
    /// For each ONNX gate in ONNX's order, the Keras block (LSTM: ONNX i, o, f, c ← Keras i, f, c, o).
    static var onnxGateBlocks: [Int] { get }
    /// The activations ONNX takes, from the cell's (recurrent activation, activation).
    static func onnxActivations(recurrent: Activation, activation: Activation) -> [Activation]
}
extension LSTMCell: ONNXRecurrentCell {
    static var onnxOp: String { "LSTM" }
    static var onnxGateBlocks: [Int] { [0, 3, 1, 2] }
    static func onnxActivations(recurrent: Activation, activation: Activation) -> [Activation] { [recurrent, activation, activation] }
}
extension GRUCell: ONNXRecurrentCell {
    static var onnxOp: String { "GRU" }
    static var onnxGateBlocks: [Int] { [0, 1, 2] }
    static func onnxActivations(recurrent: Activation, activation: Activation) -> [Activation] { [recurrent, activation] }
}
extension SimpleRNNCell: ONNXRecurrentCell {
    static var onnxOp: String { "RNN" }
    static var onnxGateBlocks: [Int] { [0] }
    static func onnxActivations(recurrent: Activation, activation: Activation) -> [Activation] { [activation] }
}

/// SimpleRNN, LSTM, GRU (both `reset_after` forms) as ONNX RNN / LSTM / GRU, forward direction:
/// Keras' (N, T, F) moved to ONNX's (T, N, F), the gate blocks reordered, the bias split into input and
/// recurrent halves; `go_backwards` runs over the input reversed in time (Keras returns that order).
/// Initial-state inputs (h, and c for an LSTM) become `initial_h` / `initial_c`; with `return_state` the
/// final states Y_h (and Y_c) are outputs 1…, as Keras orders them. Under a Keras mask the kept steps
/// run (`sequence_lens`) and each step's output is the last kept step's, as Keras' backend carries it.
/// A `stateful` layer runs from a zero state every call, as ConvScope runs it. Activations the ONNX ops
/// cannot take are refused.
extension Recurrent: ONNXMultiOutputLowering, ONNXMaskAwareLowering {
    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] {
        guard let onnx = Cell.self as? ONNXRecurrentCell.Type else { throw c.unsupported(className) }
        let cf = cfg
        let isLSTM = Cell.self == LSTMCell.self
        guard c.inputs.count == 1 || c.inputs.count == (isLSTM ? 3 : 2) else {
            throw c.unsupported("\(className) with \(c.inputs.count - 1) initial-state inputs")
        }
        let activation = try Activation(config: config["activation"] ?? .string("tanh"), layer: name)
        let recurrent = try Activation(config: config["recurrent_activation"] ?? .string("sigmoid"), layer: name)
        let activations = onnx.onnxActivations(recurrent: recurrent, activation: activation)
        var names: [String] = [], alphas: [Float] = [], betas: [Float] = []
        for (k, a) in activations.enumerated() {
            switch a {
            case .sigmoid: names.append("Sigmoid"); alphas.append(0); betas.append(0)
            case .tanh: names.append("Tanh"); alphas.append(0); betas.append(0)
            case .relu: names.append("Relu"); alphas.append(0); betas.append(0)
            case .hardSigmoid where k == 0: names.append("HardSigmoid"); alphas.append(1.0 / 6); betas.append(0.5)
            case .hardSigmoidLegacy where k == 0: names.append("HardSigmoid"); alphas.append(0.2); betas.append(0.5)
            default: throw c.unsupported("\(className) with activation '\(a.rawValue)'")
            }
        }
        let units = try cf.int("units"), features = c.inputShapes[0][1], steps = c.inputShapes[0][0]
        let blocks = onnx.onnxGateBlocks, gates = blocks.count
        // Keras (in, gates·U) with blocks in Keras' order → ONNX (1, gates·U, in) in ONNX's order.
        func gateMajor(_ t: Tensor, rows: Int) -> Tensor {
            var out = Tensor(zeros: [1, gates * units, rows])
            for (g, block) in blocks.enumerated() {
                for u in 0..<units { for r in 0..<rows { out.data[(g * units + u) * rows + r] = t.data[r * gates * units + block * units + u] } }
            }
            return out
        }
        func reorder(_ bias: ArraySlice<Float>) -> [Float] { blocks.flatMap { b in bias[(bias.startIndex + b * units)..<(bias.startIndex + (b + 1) * units)] } }
        let b = c.builder, n = c.name
        let backwards = try cf.bool("go_backwards", default: false)
        var x = backwards ? b.reverse(c.x, axis: 1, name: n) : c.x
        // A Keras mask, in processing order: the kept steps gathered to the front (their order kept), run
        // with sequence_lens; outputs spread back below.
        let mask = c.mask(0).map { backwards ? b.reverse($0, axis: 1, name: n) : $0 }
        var lengths = ""
        if let mask {
            let position = b.constant(Tensor(shape: [steps], data: (0..<steps).map(Float.init)), name: "\(n)/steps")
            let masked = b.op("Sub", [b.scalar(1, name: "\(n)/one"), mask], name: n)
            let key = b.op("Add", [position, b.op("Mul", [masked, b.scalar(Float(steps), name: "\(n)/T")], name: n)], name: n)
            let order = b.add("TopK", [key, b.int64s([steps], name: "\(n)/K")], name: n,
                              attributes: [.int("axis", 1), .int("largest", 0), .int("sorted", 1)], outputs: 2)[1]   // (N, T)
            let index = b.op("Expand", [b.reshape(order, [0, steps, 1], name: n), b.int64s([1, 1, features], name: "\(n)/features")], name: n)
            x = b.op("GatherElements", [x, index], name: n, .int("axis", 1))
            lengths = b.op("Cast", [b.reduce("ReduceSum", mask, axes: [1], keepdims: false, name: n)], name: n, .int("to", 6))
        }
        var ins = [b.transpose(x, [1, 0, 2], name: n),                                           // (T, N, F)
                   b.constant(gateMajor(weights[0].value, rows: features), name: "\(n)/W"),
                   b.constant(gateMajor(weights[1].value, rows: units), name: "\(n)/R")]
        if let bias = variable("bias") {
            let input = reorder(bias.data[0..<(gates * units)])
            let rec = bias.count == 2 * gates * units ? reorder(bias.data[(gates * units)...]) : [Float](repeating: 0, count: gates * units)
            ins.append(b.constant(Tensor(shape: [1, 2 * gates * units], data: input + rec), name: "\(n)/B"))
        }
        if c.inputs.count > 1 || mask != nil {
            if variable("bias") == nil { ins.append("") }
            ins.append(lengths)                                                   // sequence_lens
            ins += c.inputs.dropFirst().map { b.reshape($0, [1, -1, units], name: n) }   // initial h (and c): (N, U) → (1, N, U)
        }
        var attributes: [ONNXAttribute] = [.int("hidden_size", units), .strings("activations", names),
                                           .floats("activation_alpha", alphas), .floats("activation_beta", betas)]
        if Cell.self == GRUCell.self { attributes.append(.int("linear_before_reset", try cf.bool("reset_after", default: true) ? 1 : 0)) }
        let returnState = try cf.bool("return_state", default: false)
        // Y (T, 1, N, U), Y_h (1, N, U), and for an LSTM Y_c (1, N, U)
        let outs = b.add(onnx.onnxOp, ins, name: c.name, attributes: attributes, outputs: returnState && isLSTM ? 3 : 2)
        let states = returnState ? outs.dropFirst().map { b.reshape($0, [-1, units], name: n) } : []
        let sequences = try cf.bool("return_sequences", default: false)
        if let mask {
            // Step s gives the output of the last kept step up to s (zeros before any): the compact outputs
            // with a zero row in front, gathered at the running count of kept steps; with
            // zero_output_for_mask a masked step gives zeros.
            let compact = b.reshape(b.transpose(outs[0], [2, 0, 1, 3], name: n), [-1, steps, units], name: n)   // (N, T, U)
            let padded = b.pad(compact, [0, 1, 0, 0, 0, 0], name: n)                                      // (N, T + 1, U)
            let count = b.op("Cast", [b.op("CumSum", [mask, b.int64s([1], name: "\(n)/time", dims: [])], name: n)], name: n, .int("to", 7))
            let index = b.op("Expand", [b.reshape(count, [0, steps, 1], name: n), b.int64s([1, 1, units], name: "\(n)/units")], name: n)
            var y = b.op("GatherElements", [padded, index], name: n, .int("axis", 1))                    // (N, T, U)
            if zeroOutputForMask { y = b.op("Mul", [y, b.reshape(mask, [0, steps, 1], name: n)], name: n) }
            if sequences { return [y] + states }
            return [b.reshape(b.slice(y, starts: [steps - 1], ends: [steps], axes: [1], name: n), [-1, units], name: n)] + states
        }
        if sequences {
            let y = b.transpose(outs[0], [2, 0, 1, 3], name: n)                               // (N, T, 1, U)
            return [b.reshape(y, [-1, steps, units], name: n)] + states
        }
        return [states.first ?? b.reshape(outs[1], [-1, units], name: n)] + states
    }
}
