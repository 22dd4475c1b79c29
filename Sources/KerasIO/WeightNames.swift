import Graph

/// Names and trainability for variables of layers ConvScope keeps opaque, so counts match Keras.
enum WeightNames {
    static let nonTrainableNames: Set<String> = ["moving_mean", "moving_variance", "running_mean", "running_std",
                                                 "moving_stddev", "count", "mean", "variance"]

    /// Keras 3 files store only indices: name the variables for the classes whose names matter.
    static func keras3Names(className: String, config: JSON, count: Int) -> [String] {
        var names: [String]
        switch className {
        case "BatchNormalization", "SyncBatchNormalization":
            names = []
            if config["scale"]?.boolValue ?? true { names.append("gamma") }
            if config["center"]?.boolValue ?? true { names.append("beta") }
            names += ["moving_mean", "moving_variance"]
        case "LayerNormalization", "GroupNormalization":
            names = []
            if config["scale"]?.boolValue ?? true { names.append("gamma") }
            if config["center"]?.boolValue ?? true { names.append("beta") }
        case "Embedding": names = ["embeddings"]
        case "LSTM", "GRU", "SimpleRNN": names = ["kernel", "recurrent_kernel", "bias"]
        case "SeparableConv2D", "SeparableConv1D": names = ["depthwise_kernel", "pointwise_kernel", "bias"]
        case "PReLU": names = ["alpha"]
        default: names = ["kernel", "bias"]
        }
        if names.count != count { names = (0..<count).map { count == 2 ? ["kernel", "bias"][$0] : "var\($0)" } }
        return names
    }

    /// Moving statistics are not trained; Keras 1 names them `<layer>_running_mean` / `_running_std`.
    static func isTrainable(_ shortName: String) -> Bool {
        if nonTrainableNames.contains(shortName) { return false }
        return !["moving_mean", "moving_variance", "running_mean", "running_std"].contains { shortName.hasSuffix($0) }
    }
}
