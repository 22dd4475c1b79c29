import Tensor

/// The attention layers' masking of scores, shared by their lowerings: which (query, key) pairs are
/// allowed, as boolean values that broadcast against the scores, and scores lowered by 10⁹ where a pair is
/// not (once, however many masks forbid it, as `AttentionKernel.softmaxRows` does).
extension ONNXGraphBuilder {
    /// A float 0/1 value (a Keras mask or an attention_mask input) reshaped to `shape` as booleans (≠ 0).
    func allowed(_ mask: String, shape: [Int], name: String) -> String {
        op("Not", [op("Equal", [reshape(mask, shape, name: name), scalar(0, name: "\(name)/zero")], name: name)], name: name)
    }

    /// A fixed (rows, cols) pattern (causal, sliding window) as booleans.
    func allowed(_ pattern: [Bool], rows: Int, cols: Int, name: String) -> String {
        op("Cast", [constant(Tensor(shape: [rows, cols], data: pattern.map { $0 ? 1 : 0 }), name: "\(name)/pattern")], name: name, .int("to", 9))
    }

    /// `scores` + (0 where every one of `allowed` holds, −10⁹ elsewhere); `scores` itself when there is none.
    func masked(_ scores: String, allowed: [String], name: String) -> String {
        guard let first = allowed.first else { return scores }
        let all = allowed.dropFirst().reduce(first) { op("And", [$0, $1], name: name) }
        let bias = op("Where", [all, scalar(0, name: "\(name)/kept"), scalar(-1e9, name: "\(name)/masked")], name: name)
        return op("Add", [scores, bias], name: name)
    }
}
