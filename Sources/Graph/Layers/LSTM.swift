import Tensor

/// Keras `LSTM`: z = x_t · kernel + h_{t−1} · recurrent_kernel + bias, split into the gates
/// i, f, c̃, o (in that order); i, f, o = recurrent_activation(·), c̃ = activation(·);
/// c_t = f ⊙ c_{t−1} + i ⊙ c̃, h_t = o ⊙ activation(c_t).
public typealias LSTM = Recurrent<LSTMCell>

public struct LSTMCell: RecurrentCell {
    public static let kerasClassNames = ["LSTM"]
    public static let cellName = "lstm_cell"
    public static let cellConfigKeys: Set<String> = ["recurrent_activation", "unit_forget_bias"]
    public static let gates = 4
    public let common: CellSettings
    public var biasShape: [Int] { [4 * units] }

    public init(units: Int, config: LayerConfig) throws {
        common = try CellSettings(units: units, config: config)
    }

    public func zeroState(batch n: Int) -> RecurrentState {
        RecurrentState(h: Tensor(zeros: [n, units]), c: Tensor(zeros: [n, units]))
    }

    // record: [zi, zf, zg, zo, i, f, g, o, c, act(c)]
    public func step(_ xk: Tensor, _ previous: RecurrentState, _ weights: [WeightVariable], record: inout [Tensor]) -> RecurrentState {
        var z = product(previous.h, weights[1].value, addingTo: xk)            // (N, 4U)
        if useBias { z = addRow(z, weights[2].value.data[...]) }
        let zs = (0..<4).map { columns(z, block: $0, width: units) }           // 4 × (N, U)
        let i = recurrentActivation.applied(zs[0]), f = recurrentActivation.applied(zs[1])
        let g = activation.applied(zs[2]), o = recurrentActivation.applied(zs[3])
        let c = hadamard(f, previous.c!) + hadamard(i, g)                      // (N, U)
        let ac = activation.applied(c)
        record = zs + [i, f, g, o, c, ac]
        return RecurrentState(h: hadamard(o, ac), c: c)
    }

    public func stepBackward(_ d: RecurrentState, record: [Tensor], previous: RecurrentState, _ weights: [WeightVariable],
                             grads: inout [Tensor]) -> (dxk: Tensor, dPrevious: RecurrentState) {
        let (i, f, g, o, c, ac) = (record[4], record[5], record[6], record[7], record[8], record[9])
        let dO = hadamard(d.h, ac)
        var dc = activation.gradient(hadamard(d.h, o), input: c, output: ac)   // through h = o ⊙ act(c)
        dc.add(d.c!)                                                           // and from the next step
        let dzi = recurrentActivation.gradient(hadamard(dc, g), input: record[0], output: i)
        let dzf = recurrentActivation.gradient(hadamard(dc, previous.c!), input: record[1], output: f)
        let dzg = activation.gradient(hadamard(dc, i), input: record[2], output: g)
        let dzo = recurrentActivation.gradient(dO, input: record[3], output: o)
        let dz = joinColumns([dzi, dzf, dzg, dzo])                             // (N, 4U)
        grads[1] = product(previous.h, dz, transA: true, addingTo: grads[1])   // (U, 4U)
        if useBias { addColumnSums(dz, into: &grads[2]) }
        let dh = product(dz, weights[1].value, transB: true)                   // (N, 4U)·(U, 4U)ᵀ
        return (dz, RecurrentState(h: dh, c: hadamard(dc, f)))
    }
}
