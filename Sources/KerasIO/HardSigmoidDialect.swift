import Graph

/// `hard_sigmoid` names two functions: clip(0.2x + 0.5, 0, 1) in Keras 2, tf-keras and TensorFlow.js, and
/// relu6(x + 3)/6 in Keras 3, and no Keras has a name for the other's. A model whose config says
/// `hard_sigmoid` is written only in a format whose Keras reads the name as the file it came from did:
/// anything else would load computing other numbers, so the writer refuses it in one line.
enum HardSigmoidDialect {
    /// What `format`'s configs mean by activation names; nil for the weights-only formats (no config).
    static func dialect(of format: KerasExportFormat) -> ActivationDialect? {
        switch format {
        case .keras3H5, .keras: return .keras3
        case .tfkerasH5, .tfjs: return .legacy
        case .weightsH5, .keras3Weights, .keras3ShardedWeights: return nil
        }
    }

    /// The refusal for writing `model` (read as `source`) as `format`, nil when the format keeps its meaning.
    static func refusal(_ model: KerasModel, source: ActivationDialect, format: KerasExportFormat) -> String? {
        guard let target = dialect(of: format), target != source,
              let layer = model.graph.layers.first(where: { names($0.config) }) else { return nil }
        let (from, to) = source == .legacy ? ("clip(0.2x + 0.5) (Keras 2, tf-keras)", "relu6(x + 3)/6") : ("relu6(x + 3)/6 (Keras 3)", "clip(0.2x + 0.5)")
        return "layer '\(layer.name)' uses hard_sigmoid, which here means \(from) but would load as \(to) from \(format.rawValue); "
            + "write \(source == .legacy ? "tfkeras-h5" : "keras or keras3-h5") or a weights format"
    }

    /// Whether `config` names hard_sigmoid as an activation (any key ending in `activation`, nested configs included).
    static func names(_ config: JSON, underActivation: Bool = false) -> Bool {
        switch config {
        case .string(let s): return underActivation && s.lowercased() == "hard_sigmoid"
        case .array(let a): return a.contains { names($0, underActivation: underActivation) }
        case .object(let o): return o.pairs.contains { names($0.1, underActivation: underActivation || $0.0.hasSuffix("activation")) }
        default: return false
        }
    }
}
