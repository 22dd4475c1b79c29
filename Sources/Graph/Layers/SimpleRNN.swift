import Tensor

/// Keras `SimpleRNN`: h_t = activation(x_t · kernel + h_{t−1} · recurrent_kernel + bias).
public typealias SimpleRNN = Recurrent<SimpleRNNCell>

public struct SimpleRNNCell: RecurrentCell {
    public static let kerasClassNames = ["SimpleRNN"]
    public static let cellName = "simple_rnn_cell"
    public static let cellConfigKeys: Set<String> = []
    public static let gates = 1
    public let common: CellSettings
    public var biasShape: [Int] { [units] }

    public init(units: Int, config: LayerConfig) throws {
        common = try CellSettings(units: units, config: config)
    }

    // record: [z, h]
    public func step(_ xk: Tensor, _ previous: RecurrentState, _ weights: [WeightVariable], record: inout [Tensor]) -> RecurrentState {
        var z = product(previous.h, weights[1].value, addingTo: xk)            // (N, U) + (N, U)·(U, U)
        if useBias { z = addRow(z, weights[2].value.data[...]) }
        let h = activation.applied(z)                                          // (N, U)
        record = [z, h]
        return RecurrentState(h: h, c: nil)
    }

    public func stepBackward(_ d: RecurrentState, record: [Tensor], previous: RecurrentState, _ weights: [WeightVariable],
                             grads: inout [Tensor]) -> (dxk: Tensor, dPrevious: RecurrentState) {
        let dz = activation.gradient(d.h, input: record[0], output: record[1])  // (N, U)
        grads[1] = product(previous.h, dz, transA: true, addingTo: grads[1])   // (U, N)·(N, U)
        if useBias { addColumnSums(dz, into: &grads[2]) }
        let dh = product(dz, weights[1].value, transB: true)                   // (N, U)·(U, U)ᵀ
        return (dz, RecurrentState(h: dh, c: nil))
    }
}
