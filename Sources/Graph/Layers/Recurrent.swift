import Tensor

/// The settings every Keras RNN layer shares, read once (as `ConvolutionWindow` is for convolutions).
struct RecurrentSettings {
    /// Keys of Keras 2, tf-keras 2.21 and Keras 3 RNN layers, besides the cell's own.
    static let kerasConfigKeys: Set<String> = [
        "units", "activation", "use_bias", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
        "time_major", "zero_output_for_mask", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "implementation", "seed",
    ]
    let units: Int
    let returnSequences: Bool
    let goBackwards: Bool
    /// Keras keeps the last state between batches; ConvScope runs each call from zeros (`remarks` says so).
    let stateful: Bool
    /// Whether the final states follow the output as extra outputs ([output, h] or [output, h, c]).
    let returnState: Bool
    /// Dropout on inputs and on the recurrent state, applied by Keras in training only.
    let dropout: Double
    let recurrentDropout: Double

    init(_ c: LayerConfig) throws {
        units = try c.int("units")
        guard units > 0 else { throw LayerError(c.layer, "units must be positive, found \(units)") }
        returnSequences = try c.bool("return_sequences", default: false)
        goBackwards = try c.bool("go_backwards", default: false)
        stateful = try c.bool("stateful", default: false)
        dropout = try c.double("dropout", default: 0)
        recurrentDropout = try c.double("recurrent_dropout", default: 0)
        _ = try c.bool("unroll", default: false)                               // same numbers either way
        returnState = try c.bool("return_state", default: false)
        if try c.bool("time_major", default: false) {
            throw LayerError(c.layer, "time_major is set: ConvScope runs (batch, time, features) sequences only")
        }
    }
}

/// A layer that runs over time (what `Bidirectional` wraps).
public protocol RecurrentKind: MultiOutputLayer {
    /// Whether the output is the whole (N, T, units) sequence rather than the last step.
    var returnsSequences: Bool { get }
    /// Whether a masked step outputs zeros rather than the previous output.
    var zeroOutputForMask: Bool { get set }
}

/// A Keras recurrent layer (`SimpleRNN`, `LSTM`, `GRU`) around its `Cell`: runs the cell over the time
/// axis of a (N, T, features) input from a zero state, backwards in time with `go_backwards` (the
/// output sequence then comes in processing order, as Keras returns it); (N, T, units) with
/// `return_sequences`, else the last step's (N, units). `unroll` changes nothing in the numbers.
/// A (N, T) mask on the input (`Mask.swift`) skips steps as Keras does; the output keeps the mask with
/// `return_sequences`. With `return_state` the final states are outputs 1… (`MultiOutput.swift`); initial
/// states given as further inputs (Keras' `initial_state`, an encoder's states in seq2seq) replace the
/// zero state, and backward gives their gradients. `stateful` layers run from a zero state every call.
///
/// Backward through time recomputes the forward steps from the recorded input (the tape holds only
/// inputs and output), then walks them in reverse: input gradient and every weight gradient.
public final class Recurrent<Cell: RecurrentCell>: RecurrentKind, MultiOutputLayer {
    public static var kerasClassNames: [String] { Cell.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { RecurrentSettings.kerasConfigKeys.union(Cell.cellConfigKeys) }
    public static var kerasCellName: String? { Cell.cellName }
    public static func keras3VariableNames(config: JSON) -> [String] {
        ["kernel", "recurrent_kernel"] + (config["use_bias"]?.boolValue ?? true ? ["bias"] : [])
    }
    /// `time_major` is a tf-keras argument Keras 3 does not accept.
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        var c = config
        c["time_major"] = nil
        return c
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let settings: RecurrentSettings
    let cell: Cell
    public var returnsSequences: Bool { settings.returnSequences }
    /// Whether a masked step outputs zeros rather than the previous output (`zero_output_for_mask`;
    /// `Bidirectional` sets it to `return_sequences`, as Keras does).
    public var zeroOutputForMask: Bool

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        settings = try RecurrentSettings(c)
        zeroOutputForMask = try c.bool("zero_output_for_mask", default: false)
        cell = try Cell(units: settings.units, config: c)
    }

    /// How many state tensors the cell carries (h; h and c for an LSTM).
    var stateCount: Int { cell.zeroState(batch: 0).parts.count }

    public var extraOutputShapes: [[Int]] {
        settings.returnState ? [[Int]](repeating: [settings.units], count: stateCount) : []
    }

    public var remarks: [String] {
        settings.stateful ? ["stateful: Keras carries states between batches; ConvScope runs every call from a zero state"] : []
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 || inputShapes.count == 1 + stateCount,
              inputShapes.dropFirst().allSatisfy({ $0 == [settings.units] }) else {
            throw LayerError(name, "expects a (time, features) input, optionally followed by \(stateCount) initial state(s) "
                             + "of shape (\(settings.units)), got \(inputShapes)")
        }
        guard inputShapes[0].count == 2, let features = inputShapes[0].last, features > 0 else {
            throw LayerError(name, "expects a (time, features) input with known features, got \(inputShapes[0])")
        }
        let width = Cell.gates * settings.units
        weights = [try WeightVariable(name: "kernel", shape: [features, width]),
                   try WeightVariable(name: "recurrent_kernel", shape: [settings.units, width])]
        if cell.useBias { weights.append(try WeightVariable(name: "bias", shape: cell.biasShape)) }
        return settings.returnSequences ? [inputShapes[0][0], settings.units] : [settings.units]
    }

    /// Every step's input state and record, kept for backward.
    struct Steps {
        var previous: [RecurrentState] = []
        var records: [[Tensor]] = []
        /// Per step, which rows were masked (empty without a mask).
        var masked: [[Bool]] = []
    }

    /// The time index of processing step `s` of `t` steps.
    func time(_ s: Int, of t: Int) -> Int { settings.goBackwards ? t - 1 - s : s }

    /// Which rows of the batch are masked at time `ti` of `mask` (N, T); empty without a mask.
    func maskedRows(_ mask: Tensor?, time ti: Int) -> [Bool] {
        guard let mask else { return [] }
        let (n, t) = (mask.shape[0], mask.shape[1])
        return (0..<n).map { mask.data[$0 * t + ti] == 0 }
    }

    /// The steps over time as Keras' backend runs them. At a masked step (`mask` (N, T) is 0) a row keeps
    /// its state, and its output is the previous step's output (zeros with `zero_output_for_mask`); the
    /// output before the first step is zeros. Returns the output, the final state and, with `keep`,
    /// what backward needs.
    func run(_ x: Tensor, mask: Tensor?, initial: RecurrentState?, context: ForwardContext, keep: Bool) throws -> (Tensor, RecurrentState, Steps) {
        if context.mode == .training && (settings.dropout > 0 || settings.recurrentDropout > 0) {
            throw LayerError(name, "dropout / recurrent_dropout in training mode are not supported")
        }
        guard x.rank == 3, x.shape[2] == weights[0].value.shape[0] else {
            throw LayerError(name, "input \(x.shape) is not (batch, time, \(weights[0].value.shape[0]))")
        }
        let mask = try Masks.steps(mask, of: x, layer: name)
        let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2]), u = settings.units, width = Cell.gates * u
        let xk = product(x.reshaped([n * t, f]), weights[0].value)              // (N·T, G·U)
        var state = initial ?? cell.zeroState(batch: n)
        if let initial, initial.parts.contains(where: { $0.shape != [n, u] }) {
            throw LayerError(name, "initial states \(initial.parts.map(\.shape)) are not (batch, units) = (\(n), \(u))")
        }
        var steps = Steps()
        var y = Tensor(zeros: settings.returnSequences ? [n, t, u] : [n, u])     // (N, T, U) or (N, U)
        var out = Tensor(zeros: [n, u])                                          // the last step's output (N, U)
        for s in 0..<t {
            let ti = time(s, of: t)
            var xs = Tensor(zeros: [n, width])                                   // (N, G·U) at time ti
            for b in 0..<n { xs.data.replaceSubrange(b * width..<(b + 1) * width, with: xk.data[(b * t + ti) * width..<(b * t + ti + 1) * width]) }
            var record: [Tensor] = []
            var next = cell.step(xs, state, weights, record: &record)
            let masked = maskedRows(mask, time: ti)
            if keep { steps.previous.append(state); steps.records.append(record); steps.masked.append(masked) }
            if masked.isEmpty {
                out = next.h
            } else {
                next = next.replacingRows(masked, from: state)
                for b in 0..<n {
                    let row = b * u..<(b + 1) * u
                    if !masked[b] { out.data.replaceSubrange(row, with: next.h.data[row]) }
                    else if zeroOutputForMask { out.data.replaceSubrange(row, with: repeatElement(0, count: u)) }
                }
            }
            state = next
            if settings.returnSequences {
                for b in 0..<n { y.data.replaceSubrange((b * t + s) * u..<(b * t + s + 1) * u, with: out.data[b * u..<(b + 1) * u]) }
            }
        }
        if !settings.returnSequences { y = out }
        return (y, state, steps)
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        settings.returnSequences ? masks.first ?? nil : nil
    }

    /// The initial state given as inputs 1… (nil: zeros).
    func initialState(_ inputs: [Tensor]) -> RecurrentState? {
        inputs.count > 1 ? RecurrentState(h: inputs[1], c: inputs.count > 2 ? inputs[2] : nil) : nil
    }

    public func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor] {
        let (y, state, _) = try run(inputs[0], mask: masks.first ?? nil, initial: initialState(inputs), context: context, keep: false)
        return [y] + (settings.returnState ? state.parts : [])
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try run(inputs[0], mask: masks.first ?? nil, initial: initialState(inputs), context: context, keep: false).0
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, masks: [], context: &context, tape: tape)
    }


    /// Backward through time: from the output's gradient, the steps in reverse. A masked row passes its
    /// state's gradient straight to the previous step and its output's gradient to the previous output
    /// (nothing with `zero_output_for_mask`); only kept rows go through the cell.
    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        try backwardAll([upstream], tape: tape, rule: rule, weightGradients: weightGradients)
    }

    /// From the gradients of the output and (with `return_state`) of the final states; the input
    /// gradients are the sequence's and, when initial states were given, theirs.
    public func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]                                                   // (N, T, F)
        let (y, _, steps) = try run(x, mask: tape.masks.first ?? nil, initial: initialState(tape.inputs), context: ForwardContext(), keep: true)
        let upstream = upstreams[0] ?? Tensor(zeros: y.shape)
        let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2]), u = settings.units, width = Cell.gates * u
        var grads = weights.map { Tensor(zeros: $0.value.shape) }
        var dxk = Tensor(zeros: [n * t, width])                                  // (N·T, G·U)
        var dState = cell.zeroState(batch: n)                                    // d loss / d state after step s
        if upstreams.count > 1 {                                                 // the final states' gradients
            dState.h = upstreams[1] ?? dState.h
            if upstreams.count > 2 { dState.c = upstreams[2] ?? dState.c }
        }
        var dOutput = settings.returnSequences ? Tensor(zeros: [n, u]) : upstream // d loss / d output of step s, so far
        for s in stride(from: t - 1, through: 0, by: -1) {
            if settings.returnSequences {                                        // this step's output gradient
                for b in 0..<n { for j in 0..<u { dOutput.data[b * u + j] += upstream.data[(b * t + s) * u + j] } }
            }
            let masked = steps.masked[s]
            var dNext = dState                                                   // kept rows: output = new h
            var dPreviousOutput = Tensor(zeros: [n, u])
            for b in 0..<n {
                let row = b * u..<(b + 1) * u
                if masked.isEmpty || !masked[b] {
                    for j in row { dNext.h.data[j] += dOutput.data[j] }
                } else if !zeroOutputForMask {
                    dPreviousOutput.data.replaceSubrange(row, with: dOutput.data[row])
                }
            }
            let zero = cell.zeroState(batch: n)
            let through = masked.isEmpty ? dNext : dNext.replacingRows(masked, from: zero)
            let (dxs, dPrevious) = cell.stepBackward(through, record: steps.records[s], previous: steps.previous[s], weights, grads: &grads)
            let ti = time(s, of: t)
            for b in 0..<n { dxk.data.replaceSubrange((b * t + ti) * width..<(b * t + ti + 1) * width, with: dxs.data[b * width..<(b + 1) * width]) }
            dState = masked.isEmpty ? dPrevious : dPrevious.replacingRows(masked, from: dNext)
            dOutput = dPreviousOutput
        }
        // (N·T, G·U) × (F, G·U)ᵀ → (N·T, F)
        let dx = product(dxk, weights[0].value, transB: true).reshaped([n, t, f])
        let inputGradients = [dx] + (tape.inputs.count > 1 ? dState.parts : []) // and the initial states'
        guard weightGradients else { return LayerGradients(inputs: inputGradients) }
        grads[0] = product(x.reshaped([n * t, f]), dxk, transA: true)          // (F, G·U)
        return LayerGradients(inputs: inputGradients, weights: grads)
    }
}
