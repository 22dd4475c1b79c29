import Tensor

/// tf.keras `CuDNNLSTM` (`CuDNNRecurrent`): an `LSTM` with tanh and sigmoid whose bias is stored as
/// 8·units values; the LSTM's bias is the sum of the two halves (input and recurrent biases), as
/// tf-keras converts it.
public typealias CuDNNLSTM = CuDNNRecurrent<CuDNNLSTMVariant>

public enum CuDNNLSTMVariant: CuDNNVariant {
    public typealias Cell = LSTMCell
    public static let kerasClassNames = ["CuDNNLSTM"]
    public static let fixedSettings = JSONObject([("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", true)])

    public static func kerasBias(_ bias: Tensor, units: Int) -> Tensor {     // (8U) → (4U): input + recurrent
        let half = 4 * units
        return Tensor(shape: [half], data: (0..<half).map { bias.data[$0] + bias.data[half + $0] })
    }

    public static func cudnnBiasGradient(_ g: Tensor, units: Int) -> Tensor { // (4U) → (8U): both halves get it
        Tensor(shape: [8 * units], data: g.data + g.data)
    }
}
