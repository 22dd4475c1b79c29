import Tensor

/// The state a recurrent cell carries from one step to the next: `h` (N, units), and for an LSTM
/// its memory `c` (N, units).
public struct RecurrentState {
    public var h: Tensor
    public var c: Tensor?

    /// The state's tensors in Keras' order: [h] or [h, c].
    public var parts: [Tensor] { [h] + (c.map { [$0] } ?? []) }

    /// This state with the rows `b` where `replace[b]` taken from `other` (a masked step keeps its state).
    func replacingRows(_ replace: [Bool], from other: RecurrentState) -> RecurrentState {
        func mix(_ a: Tensor, _ b: Tensor) -> Tensor {
            var out = a
            let w = a.shape[1]
            for r in replace.indices where replace[r] { out.data.replaceSubrange(r * w..<(r + 1) * w, with: b.data[r * w..<(r + 1) * w]) }
            return out
        }
        return RecurrentState(h: mix(h, other.h), c: c.map { mix($0, other.c!) })
    }
}

/// One recurrent cell kind (SimpleRNN, LSTM, GRU): its Keras facts and one time step forward and
/// backward, side by side. `Recurrent` runs the steps over time; the input projection x_t · kernel
/// for all steps is done there in one product, so a cell sees `xk` = x_t · kernel (N, gates·units).
///
/// Variables, in Keras' stored order: `kernel` (features, gates·units), `recurrent_kernel`
/// (units, gates·units), and with `use_bias` a `bias` of `biasShape`.
public protocol RecurrentCell {
    /// Keras class names of the layer around this cell (first is canonical).
    static var kerasClassNames: [String] { get }
    /// The cell's name, under which Keras stores the layer's variables (`lstm/lstm_cell/kernel`).
    static var cellName: String { get }
    /// Config keys of this cell besides `RecurrentSettings.kerasConfigKeys`.
    static var cellConfigKeys: Set<String> { get }
    /// Gate blocks per unit in the kernels (1, 4, 3).
    static var gates: Int { get }
    /// Reads the cell's settings (activations, variants) from the layer's config.
    init(units: Int, config: LayerConfig) throws
    var common: CellSettings { get }
    /// The bias shape (`(2, 3·units)` for a GRU with `reset_after`).
    var biasShape: [Int] { get }
    /// The initial state: zeros for a batch of `n`.
    func zeroState(batch n: Int) -> RecurrentState
    /// One step: the new state from `xk` (N, gates·units) and `previous`; appends to `record` what
    /// `stepBackward` needs. `weights` are the layer's, in stored order.
    func step(_ xk: Tensor, _ previous: RecurrentState, _ weights: [WeightVariable], record: inout [Tensor]) -> RecurrentState
    /// From the new state's gradient `d`: the gradient of `xk` and of the previous state; adds this
    /// step's share to the recurrent kernel's and the bias's gradients (`grads[1]`, `grads[2]`).
    func stepBackward(_ d: RecurrentState, record: [Tensor], previous: RecurrentState, _ weights: [WeightVariable],
                      grads: inout [Tensor]) -> (dxk: Tensor, dPrevious: RecurrentState)
}

/// What every cell reads from the layer's config: units, `use_bias`, `activation` (default tanh) and
/// `recurrent_activation` (default sigmoid; SimpleRNN has none).
public struct CellSettings {
    public let units: Int
    public let useBias: Bool
    let activation: Activation
    let recurrentActivation: Activation

    init(units: Int, config: LayerConfig) throws {
        self.units = units
        useBias = try config.bool("use_bias", default: true)
        activation = try Activation(config: config.json["activation"] ?? .string("tanh"), layer: config.layer)
        recurrentActivation = try Activation(config: config.json["recurrent_activation"] ?? .string("sigmoid"), layer: config.layer)
    }
}

extension RecurrentCell {
    public var units: Int { common.units }
    public var useBias: Bool { common.useBias }
    var activation: Activation { common.activation }
    var recurrentActivation: Activation { common.recurrentActivation }
    public func zeroState(batch n: Int) -> RecurrentState { RecurrentState(h: Tensor(zeros: [n, units]), c: nil) }
}

// MARK: the cells' matrix toolkit, on (rows, columns) tensors

/// op(a) · op(b), added to `c` when given (its shape is the product's).
func product(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false, addingTo c: Tensor? = nil) -> Tensor {
    let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
    let n = transB ? b.shape[0] : b.shape[1]
    var out = c ?? Tensor(zeros: [m, n])
    a.data.withUnsafeBufferPointer { ap in
        b.data.withUnsafeBufferPointer { bp in
            out.data.withUnsafeMutableBufferPointer { op in
                sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: a.shape[1],
                      b: bp.baseAddress!, ldb: b.shape[1], beta: c == nil ? 0 : 1, c: op.baseAddress!, ldc: n)
            }
        }
    }
    return out
}

/// Columns `block·width ..< (block+1)·width` of a (rows, columns) tensor.
func columns(_ t: Tensor, block: Int, width: Int) -> Tensor {
    let rows = t.shape[0], cols = t.shape[1]
    var out = [Float](repeating: 0, count: rows * width)
    for r in 0..<rows { for j in 0..<width { out[r * width + j] = t.data[r * cols + block * width + j] } }
    return Tensor(shape: [rows, width], data: out)
}

/// (rows, w₁) ‖ (rows, w₂) ‖ … side by side.
func joinColumns(_ blocks: [Tensor]) -> Tensor {
    let rows = blocks[0].shape[0], cols = blocks.reduce(0) { $0 + $1.shape[1] }
    var out = [Float](repeating: 0, count: rows * cols)
    var at = 0
    for b in blocks {
        let w = b.shape[1]
        for r in 0..<rows { for j in 0..<w { out[r * cols + at + j] = b.data[r * w + j] } }
        at += w
    }
    return Tensor(shape: [rows, cols], data: out)
}

/// `row` (columns,) added to every row of `t` (rows, columns).
func addRow(_ t: Tensor, _ row: ArraySlice<Float>) -> Tensor {
    var out = t
    let cols = t.shape[1], base = row.startIndex
    for i in 0..<out.count { out.data[i] += row[base + i % cols] }
    return out
}

/// Column sums of `t` (rows, columns) added to `into[offset..<offset + columns]`.
func addColumnSums(_ t: Tensor, into: inout Tensor, offset: Int = 0) {
    let cols = t.shape[1]
    for i in 0..<t.count { into.data[offset + i % cols] += t.data[i] }
}

/// Element-wise a ⊙ b.
func hadamard(_ a: Tensor, _ b: Tensor) -> Tensor {
    var out = a
    for i in 0..<out.count { out.data[i] *= b.data[i] }
    return out
}

/// f applied element-wise to a and b.
func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    var out = a
    for i in 0..<out.count { out.data[i] = f(a.data[i], b.data[i]) }
    return out
}

extension Activation {
    /// f(x) as a new tensor.
    func applied(_ x: Tensor) -> Tensor {
        var y = x
        apply(&y)
        return y
    }

    /// The plain gradient through f (inside a cell no backward rule applies: rules shape the
    /// rectifiers of a visualization path, not the gates of a recurrence).
    func gradient(_ upstream: Tensor, input x: Tensor, output y: Tensor) -> Tensor {
        backward(upstream, input: x, output: y, rule: .gradient)
    }
}
