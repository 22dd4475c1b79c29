import Tensor

/// tf.keras `CuDNNGRU` (`CuDNNRecurrent`): a `GRU(reset_after=True)` with tanh and sigmoid whose bias is
/// stored as 6·units values; the GRU's (2, 3·units) bias is the same values (input biases, then
/// recurrent biases), as tf-keras converts it.
public typealias CuDNNGRU = CuDNNRecurrent<CuDNNGRUVariant>

public enum CuDNNGRUVariant: CuDNNVariant {
    public typealias Cell = GRUCell
    public static let kerasClassNames = ["CuDNNGRU"]
    public static let fixedSettings = JSONObject([("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", true),
                                                                ("reset_after", true)])

    public static func kerasBias(_ bias: Tensor, units: Int) -> Tensor { bias.reshaped([2, 3 * units]) }

    public static func cudnnBiasGradient(_ g: Tensor, units: Int) -> Tensor { g.reshaped([6 * units]) }
}
