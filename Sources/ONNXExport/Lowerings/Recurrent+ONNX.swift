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
/// final states Y_h (and Y_c) are outputs 1…, as Keras orders them. `stateful` is refused, as are
/// activations the ONNX ops cannot take.
extension Recurrent: ONNXMultiOutputLowering {
    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] {
        guard let onnx = Cell.self as? ONNXRecurrentCell.Type else { throw c.unsupported(className) }
        let cf = cfg
        if try cf.bool("stateful", default: false) { throw c.unsupported("\(className) with stateful") }
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
        let b = c.builder
        let x = try cf.bool("go_backwards", default: false) ? b.reverse(c.x, axis: 1, name: c.name) : c.x
        var ins = [b.transpose(x, [1, 0, 2], name: c.name),                                      // (T, N, F)
                   b.constant(gateMajor(weights[0].value, rows: features), name: "\(c.name)/W"),
                   b.constant(gateMajor(weights[1].value, rows: units), name: "\(c.name)/R")]
        if let bias = variable("bias") {
            let input = reorder(bias.data[0..<(gates * units)])
            let rec = bias.count == 2 * gates * units ? reorder(bias.data[(gates * units)...]) : [Float](repeating: 0, count: gates * units)
            ins.append(b.constant(Tensor(shape: [1, 2 * gates * units], data: input + rec), name: "\(c.name)/B"))
        }
        if c.inputs.count > 1 {                                                   // initial h (and c): (N, U) → (1, N, U)
            if variable("bias") == nil { ins.append("") }
            ins.append("")                                                        // sequence_lens
            ins += c.inputs.dropFirst().map { b.reshape($0, [1, -1, units], name: c.name) }
        }
        var attributes: [ONNXAttribute] = [.int("hidden_size", units), .strings("activations", names),
                                           .floats("activation_alpha", alphas), .floats("activation_beta", betas)]
        if Cell.self == GRUCell.self { attributes.append(.int("linear_before_reset", try cf.bool("reset_after", default: true) ? 1 : 0)) }
        let returnState = try cf.bool("return_state", default: false)
        // Y (T, 1, N, U), Y_h (1, N, U), and for an LSTM Y_c (1, N, U)
        let outs = b.add(onnx.onnxOp, ins, name: c.name, attributes: attributes, outputs: returnState && isLSTM ? 3 : 2)
        let states = returnState ? outs.dropFirst().map { b.reshape($0, [-1, units], name: c.name) } : []
        if try cf.bool("return_sequences", default: false) {
            let y = b.transpose(outs[0], [2, 0, 1, 3], name: c.name)                          // (N, T, 1, U)
            return [b.reshape(y, [-1, steps, units], name: c.name)] + states
        }
        return [states.first ?? b.reshape(outs[1], [-1, units], name: c.name)] + states
    }
}
