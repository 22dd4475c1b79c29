import Tensor

/// Keras `Bidirectional`: a recurrent layer run forwards and a copy run backwards in time
/// (`backward_layer` when the config gives one, else the layer with `go_backwards` flipped); with
/// `return_sequences` the backward output is turned back into time order, then the two are merged
/// (`merge_mode` concat on the last axis, sum, mul, ave). `merge_mode` None returns the two directions
/// as outputs 0 and 1; with `return_state` the forward layer's final states, then the backward
/// layer's, follow (`MultiOutput.swift`). Initial states as further inputs: the first half go to the
/// forward layer, the rest to the backward one, as Keras splits them.
///
/// Variables: the forward layer's, then the backward layer's (Keras' order), named as tf-keras stores
/// them (`forward_lstm/lstm_cell/kernel`). Backward: the merge's gradient split between the two, each
/// layer's backward through time, input gradients summed. A mask reaches both directions; with
/// `return_sequences` masked steps output zeros (Keras forces `zero_output_for_mask` on both layers)
/// and the output keeps the mask.
public final class Bidirectional: MultiOutputLayer {
    public static let kerasClassNames = ["Bidirectional"]
    public static let kerasConfigKeys: Set<String> = ["layer", "merge_mode", "backward_layer"]
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        LayerWrapper.keras3Config(fromLegacy: config, keys: ["layer", "backward_layer"])
    }
    /// Keras 3 stores each direction under `forward_layer` / `backward_layer`, then its cell.
    public static func keras3VariableGroups(config: JSON, count: Int) -> [Keras3VariableGroup] {
        let layer = config["layer"], base = layer?["config"]?["name"]?.stringValue ?? "rnn"
        let stem = base.hasPrefix("forward_") ? String(base.dropFirst("forward_".count)) : base
        return [("forward_layer", layer, "forward_" + stem), ("backward_layer", config["backward_layer"] ?? layer, "backward_" + stem)]
            .flatMap { key, entry, name in
                let cls = entry?["class_name"]?.stringValue ?? ""
                let inner = LayerRegistry.keras3VariableGroups(className: cls, config: entry?["config"] ?? .null, count: count / 2)
                let own = key == "backward_layer" ? config["backward_layer"]?["config"]?["name"]?.stringValue ?? name : name
                return inner.map { Keras3VariableGroup(path: [(key, own)] + $0.path, count: $0.count) }
            }
    }
    enum Merge: String { case concat, sum, mul, ave }
    public var identity: LayerIdentity
    public let forwardLayer: any RecurrentKind
    public let backwardLayer: any RecurrentKind
    /// nil: `merge_mode=None`, the two directions are outputs 0 and 1.
    let merge: Merge?
    /// Stored names' prefixes: `forward_<layer>/<cell>`, `backward_<layer>/<cell>`.
    let prefixes: [String]

    public var weights: [WeightVariable] {
        get {
            zip([forwardLayer, backwardLayer], prefixes).flatMap { layer, prefix in
                layer.weights.map { var v = $0; v.name = prefix + v.name; return v }
            }
        }
        set {
            let n = forwardLayer.weights.count
            forwardLayer.weights = zip(forwardLayer.weights, newValue.prefix(n)).map { var v = $0; v.value = $1.value; return v }
            backwardLayer.weights = zip(backwardLayer.weights, newValue.dropFirst(n)).map { var v = $0; v.value = $1.value; return v }
        }
    }

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        if config["merge_mode"].map({ $0.isNull }) ?? false {
            merge = nil
        } else {
            let mode = try c.string("merge_mode", default: "concat")
            guard let merge = Merge(rawValue: mode) else { throw LayerError(name, "merge_mode '\(mode)' is not one of concat, sum, mul, ave, None") }
            self.merge = merge
        }
        func recurrent(_ l: any Layer) throws -> any RecurrentKind {
            guard let r = l as? any RecurrentKind else { throw LayerError(name, "wraps a \(l.className), which is not a recurrent layer") }
            return r
        }
        func strip(_ s: String, _ p: String) -> String { s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s }
        let forward = try recurrent(LayerWrapper.inner(config, key: "layer", wrapper: name))
        let base = strip(forward.name, "forward_")
        if config["backward_layer"].map({ !$0.isNull }) ?? false {
            backwardLayer = try recurrent(LayerWrapper.inner(config, key: "backward_layer", wrapper: name))
        } else {
            backwardLayer = try recurrent(LayerWrapper.inner(config, key: "layer", wrapper: name) { inner in
                var o = inner
                o["name"] = .string("backward_" + base)
                o["go_backwards"] = .bool(!(inner["go_backwards"]?.boolValue ?? false))
                return o
            })
        }
        forwardLayer = forward
        for layer in [forwardLayer, backwardLayer] { layer.zeroOutputForMask = layer.returnsSequences }
        prefixes = [forward, backwardLayer].enumerated().map { i, l in
            let own = ["forward_", "backward_"][i] + strip(strip(l.name, "forward_"), "backward_")
            return own + "/" + (LayerRegistry.recurrentCellName(l.className).map { $0 + "/" } ?? "")
        }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let states = inputShapes.count - 1
        guard states % 2 == 0 else { throw LayerError(name, "initial states must come in forward and backward halves, got \(states)") }
        let f = try forwardLayer.build(inputShapes: [inputShapes[0]] + inputShapes[1..<1 + states / 2])
        let b = try backwardLayer.build(inputShapes: [inputShapes[0]] + inputShapes[(1 + states / 2)...])
        guard f == b, forwardLayer.returnsSequences == backwardLayer.returnsSequences else {
            throw LayerError(name, "forward and backward layers give different outputs (\(f), \(b))")
        }
        guard forwardLayer.extraOutputShapes.count == backwardLayer.extraOutputShapes.count else {
            throw LayerError(name, "forward and backward layers return different numbers of states")
        }
        stateSplit = states / 2
        firstShape = f
        return merge == .concat ? Array(f.dropLast()) + [2 * f[f.count - 1]] : f
    }

    /// How many of the initial-state inputs go to the forward layer; the one-direction output shape.
    private var stateSplit = 0
    private var firstShape: [Int] = []

    public var needsTFKeras: Bool { forwardLayer.needsTFKeras || backwardLayer.needsTFKeras }

    public var extraOutputShapes: [[Int]] {
        (merge == nil ? [firstShape] : []) + forwardLayer.extraOutputShapes + backwardLayer.extraOutputShapes
    }

    /// (N, T, U) with its time axis reversed; other shapes unchanged (a last-step output).
    func timeReversed(_ t: Tensor) -> Tensor {
        guard backwardLayer.returnsSequences, t.rank == 3 else { return t }
        let (n, steps, u) = (t.shape[0], t.shape[1], t.shape[2])
        var out = t
        for b in 0..<n { for s in 0..<steps {
            out.data.replaceSubrange((b * steps + s) * u..<(b * steps + s + 1) * u,
                                     with: t.data[(b * steps + steps - 1 - s) * u..<(b * steps + steps - s) * u])
        } }
        return out
    }

    /// Each direction's inputs: the sequence and its share of the initial states.
    func split(_ inputs: [Tensor]) -> ([Tensor], [Tensor]) {
        ([inputs[0]] + inputs[1..<min(inputs.count, 1 + stateSplit)], [inputs[0]] + inputs[min(inputs.count, 1 + stateSplit)...])
    }

    /// Both directions' outputs (the backward one's first output in time order).
    func directions(_ inputs: [Tensor], mask: Tensor?, context: inout ForwardContext) throws -> ([Tensor], [Tensor]) {
        let (fi, bi) = split(inputs)
        var b = try backwardLayer.forwardAll(bi, masks: [mask], context: &context, tape: nil)
        b[0] = timeReversed(b[0])
        return (try forwardLayer.forwardAll(fi, masks: [mask], context: &context, tape: nil), b)
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        forwardLayer.returnsSequences ? masks.first ?? nil : nil
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forwardAll(inputs, masks: [], context: &context, tape: tape)[0]
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forwardAll(inputs, masks: masks, context: &context, tape: tape)[0]
    }

    public func forwardAll(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> [Tensor] {
        let (f, b) = try directions(inputs, mask: masks.first ?? nil, context: &context)
        let (yf, yb) = (f[0], b[0])                                            // (N, [T,] U) each
        let states = Array(f.dropFirst() + b.dropFirst())
        guard let merge else { return [yf, yb] + states }
        let y: Tensor
        switch merge {
        case .concat: y = joinColumns([yf.reshaped([yf.count / yf.shape.last!, yf.shape.last!]),
                                       yb.reshaped([yb.count / yb.shape.last!, yb.shape.last!])])
                .reshaped(Array(yf.shape.dropLast()) + [2 * yf.shape.last!])    // (N, [T,] 2U)
        case .sum: y = yf + yb
        case .mul: y = hadamard(yf, yb)
        case .ave: y = (yf + yb).map { $0 / 2 }
        }
        return [y] + states
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        try backwardAll([upstream], tape: tape, rule: rule, weightGradients: weightGradients)
    }

    public func backwardAll(_ upstreams: [Tensor?], tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let mask = tape.masks.first ?? nil
        var context = ForwardContext()
        let (f, b) = try directions(tape.inputs, mask: mask, context: &context)
        let (yf, yb) = (f[0], b[0])
        let u = yf.shape.last!, rows = yf.count / u
        let gf: Tensor, gb: Tensor                                              // (N, [T,] U) each
        let first = merge == nil ? 2 : 1                                         // state gradients follow
        let upstream = upstreams[0] ?? Tensor(zeros: merge == .concat ? Array(yf.shape.dropLast()) + [2 * u] : yf.shape)
        switch merge {
        case nil: (gf, gb) = (upstream, upstreams.count > 1 ? upstreams[1] ?? Tensor(zeros: yb.shape) : Tensor(zeros: yb.shape))
        case .concat?:
            let g = upstream.reshaped([rows, 2 * u])
            gf = columns(g, block: 0, width: u).reshaped(yf.shape)
            gb = columns(g, block: 1, width: u).reshaped(yb.shape)
        case .sum?: (gf, gb) = (upstream, upstream)
        case .mul?: (gf, gb) = (hadamard(upstream, yb), hadamard(upstream, yf))
        case .ave?: (gf, gb) = (upstream.map { $0 / 2 }, upstream.map { $0 / 2 })
        }
        let states = upstreams.count > first ? Array(upstreams[first...]) : []
        let fs = f.count - 1
        func stateGradients(_ range: Range<Int>) -> [Tensor?] {
            range.map { $0 < states.count ? states[$0] : nil }
        }
        // Recurrent layers recompute their steps from their inputs: a tape with inputs, output and mask suffices.
        let (fi, bi) = split(tape.inputs)
        let forwardTape = Tape(), backwardTape = Tape()
        forwardTape.inputs = fi; forwardTape.output = yf; forwardTape.masks = [mask]
        backwardTape.inputs = bi; backwardTape.output = timeReversed(yb); backwardTape.masks = [mask]
        let fg = try forwardLayer.backwardAll([gf] + stateGradients(0..<fs), tape: forwardTape, rule: rule, weightGradients: weightGradients)
        let bg = try backwardLayer.backwardAll([timeReversed(gb)] + stateGradients(fs..<2 * fs), tape: backwardTape,
                                               rule: rule, weightGradients: weightGradients)
        return LayerGradients(inputs: [fg.inputs[0] + bg.inputs[0]] + fg.inputs.dropFirst() + bg.inputs.dropFirst(),
                              weights: fg.weights + bg.weights)
    }
}
