import Tensor

/// Keras 1.2's `SimpleRNN`, `LSTM` and `GRU`: `output_dim` → `units`, `inner_activation` →
/// `recurrent_activation`; `consume_less` (cpu, mem, gpu) changes how Keras 1 computed, not what; Keras 1's
/// GRU is Keras 2's `reset_after: false`, and its LSTM always has a bias.
///
/// Variables: with `consume_less: "gpu"` Keras 1 stored W (in, gates·units), U (units, gates·units) and b in
/// Keras 2's gate order; otherwise one W, U, b triple per gate, in the order of its `trainable_weights`:
/// LSTM i, c, f, o (Keras 2 concatenates i, f, c, o), GRU z, r, h (the same order). SimpleRNN stores W, U, b.
extension Recurrent: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] {
        [("output_dim", "units"), ("inner_activation", "recurrent_activation")]
    }
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        var c = Keras1Config.renamed(config, keras1Renames)
        if let mode = c["consume_less"] {
            guard let m = mode.stringValue, ["cpu", "mem", "gpu"].contains(m) else {
                throw LayerError(layer, "consume_less \(mode.serialized()) is not one Keras 1 wrote (cpu, mem, gpu)")
            }
        }
        for key in ["consume_less", "forget_bias_init", "input_dim"] { c[key] = nil }
        if Cell.gates == 3 { c["reset_after"] = false }
        return c
    }
}

extension Recurrent: Keras1WeightLayout {
    /// Keras 1's per-gate triples, stored in `trainable_weights` order, as Keras 2's three variables; the
    /// W, U, b of `consume_less: "gpu"` (and SimpleRNN's) are Keras 2's already.
    public func variables(fromKeras1 stored: [Tensor]) -> [Tensor]? {
        let gates = Cell.gates
        guard gates > 1, stored.count == 3 * gates else { return stored.count == weights.count ? stored : nil }
        // Keras 2 gate g comes from stored triple order[g]: LSTM's triples are i, c, f, o.
        let order = gates == 4 ? [0, 2, 1, 3] : Array(0..<gates)
        func joined(_ part: Int) -> Tensor? {
            let blocks = order.map { stored[3 * $0 + part] }                   // each (rows, U) or (U)
            let rows = blocks[0].rank == 1 ? 1 : blocks[0].shape[0]
            guard let width = blocks[0].shape.last, blocks.allSatisfy({ $0.shape == blocks[0].shape }) else { return nil }
            var data = [Float](repeating: 0, count: rows * width * gates)
            for (g, b) in blocks.enumerated() {
                for r in 0..<rows { for j in 0..<width { data[r * width * gates + g * width + j] = b.data[r * width + j] } }
            }
            return Tensor(shape: blocks[0].rank == 1 ? [width * gates] : [rows, width * gates], data: data)
        }
        guard let w = joined(0), let u = joined(1), let b = joined(2) else { return nil }
        return [w, u, b]
    }
}
