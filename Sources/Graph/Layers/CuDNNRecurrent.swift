import Tensor

/// One tf.keras CuDNN recurrent kind (`CuDNNLSTM`, `CuDNNGRU`): the plain kind it computes and how its
/// bias maps to that kind's (tf-keras' `_convert_rnn_weights`).
public protocol CuDNNVariant {
    associatedtype Cell: RecurrentCell
    static var kerasClassNames: [String] { get }
    /// Settings the CuDNN kernel fixes, given to the plain kind's config (activations, `reset_after`).
    static var fixedSettings: JSONObject { get }
    /// The plain kind's bias from the stored CuDNN bias (2·gates·units values: input, then recurrent biases).
    static func kerasBias(_ bias: Tensor, units: Int) -> Tensor
    /// The CuDNN bias's gradient from the plain bias's (the adjoint of `kerasBias`).
    static func cudnnBiasGradient(_ g: Tensor, units: Int) -> Tensor
}

/// A tf.keras `CuDNNLSTM` / `CuDNNGRU` layer: the same recurrence as `LSTM` (tanh, sigmoid) or
/// `GRU(reset_after=True)`, whose stored variables are in the CuDNN layout — kernel (features, gates·units)
/// holding each gate's (units, features) matrix in C order, recurrent kernel (units, gates·units) holding
/// each gate's matrix transposed, bias of 2·gates·units (input biases, then recurrent biases). The
/// variables stay in that layout (a file written back is the same file); forward and backward convert
/// them exactly as tf-keras' `_convert_rnn_weights` loads CuDNN weights into `LSTM` / `GRU`, the weight
/// gradients by that conversion's adjoint (a permutation per kernel, a sum or reshape for the bias).
public final class CuDNNRecurrent<Variant: CuDNNVariant>: RecurrentKind {
    public static var kerasClassNames: [String] { Variant.kerasClassNames }
    public static var kerasConfigKeys: Set<String> {
        ["units", "return_sequences", "return_state", "go_backwards", "stateful", "time_major", "unit_forget_bias",
         "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
         "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint"]
    }
    public static func keras3VariableNames(config: JSON) -> [String] { ["kernel", "recurrent_kernel", "bias"] }
    public var identity: LayerIdentity
    /// In the CuDNN layout, as stored.
    public var weights: [WeightVariable] = []
    /// The plain layer that runs, its variables converted from `weights` before each pass.
    let plain: Recurrent<Variant.Cell>

    public var returnsSequences: Bool { plain.returnsSequences }
    public var zeroOutputForMask: Bool {
        get { plain.zeroOutputForMask }
        set { plain.zeroOutputForMask = newValue }
    }
    public var extraOutputShapes: [[Int]] { plain.extraOutputShapes }
    public var remarks: [String] { plain.remarks }
    public var needsTFKeras: Bool { true }                                    // Keras 3 has no CuDNN kinds

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        var c = config.objectValue ?? JSONObject()
        for (k, v) in Variant.fixedSettings.pairs { c[k] = v }
        plain = try Recurrent<Variant.Cell>(name: name, config: .object(c))
    }

    var units: Int { plain.settings.units }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let shape = try plain.build(inputShapes: inputShapes)
        let width = Variant.Cell.gates * units
        weights = [try WeightVariable(name: "kernel", shape: plain.weights[0].value.shape),
                   try WeightVariable(name: "recurrent_kernel", shape: [units, width]),
                   try WeightVariable(name: "bias", shape: [2 * width])]
        return shape
    }

    /// Where the plain kernel's (i, g·U + j) comes from in the CuDNN kernel of `features` rows: each gate's
    /// (F, U) block read as the C-order data of a (U, F) matrix, transposed (tf-keras' `transpose_input`).
    func kernelSource(_ i: Int, _ j: Int, gate g: Int, features f: Int) -> Int {
        let p = i + j * f, u = units
        return (p / u) * Variant.Cell.gates * u + g * u + p % u
    }

    /// The plain layer's variables from the stored ones.
    func convert() {
        let (k, r) = (weights[0].value, weights[1].value), f = k.shape[0], u = units, width = Variant.Cell.gates * u
        var kernel = Tensor(zeros: k.shape), recurrent = Tensor(zeros: r.shape)
        for g in 0..<Variant.Cell.gates {
            for i in 0..<f { for j in 0..<u { kernel.data[i * width + g * u + j] = k.data[kernelSource(i, j, gate: g, features: f)] } }
            for i in 0..<u { for j in 0..<u { recurrent.data[i * width + g * u + j] = r.data[j * width + g * u + i] } }  // blockᵀ
        }
        plain.weights[0].value = kernel
        plain.weights[1].value = recurrent
        plain.weights[2].value = Variant.kerasBias(weights[2].value, units: u)
    }

    /// The stored variables' gradients from the plain layer's (the conversion's adjoint).
    func stored(_ grads: [Tensor]) -> [Tensor] {
        guard grads.count == 3 else { return grads }
        let f = grads[0].shape[0], u = units, width = Variant.Cell.gates * u
        var kernel = Tensor(zeros: grads[0].shape), recurrent = Tensor(zeros: grads[1].shape)
        for g in 0..<Variant.Cell.gates {
            for i in 0..<f { for j in 0..<u { kernel.data[kernelSource(i, j, gate: g, features: f)] = grads[0].data[i * width + g * u + j] } }
            for i in 0..<u { for j in 0..<u { recurrent.data[j * width + g * u + i] = grads[1].data[i * width + g * u + j] } }
        }
        return [kernel, recurrent, Variant.cudnnBiasGradient(grads[2], units: u)]
    }

    /// The plain LSTM / GRU holding the current weights converted to Keras' layout (what forward runs).
    public var converted: Recurrent<Variant.Cell> {
        convert()
        return plain
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { try plain.outputMask(inputs, masks: masks) }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        convert()
        return try plain.forward(inputs, context: &context, tape: tape)
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        convert()
        return try plain.forward(inputs, masks: masks, context: &context, tape: tape)
    }

    public func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor] {
        convert()
        return try plain.forwardAll(inputs, masks: masks, context: &context, tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        try backwardAll([upstream], tape: tape, rule: rule, weightGradients: weightGradients)
    }

    public func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        convert()
        var g = try plain.backwardAll(upstreams, tape: tape, rule: rule, weightGradients: weightGradients)
        g.weights = stored(g.weights)
        return g
    }
}
