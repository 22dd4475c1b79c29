import Graph

/// Names and trainability for variables of layers ConvScope keeps opaque, so counts match Keras.
enum WeightNames {
    static let nonTrainableNames: Set<String> = ["moving_mean", "moving_variance", "running_mean", "running_std",
                                                 "moving_stddev", "count", "mean", "variance"]

    /// Moving statistics are not trained; Keras 1 names them `<layer>_running_mean` / `_running_std`.
    static func isTrainable(_ shortName: String) -> Bool {
        if nonTrainableNames.contains(shortName) { return false }
        return !["moving_mean", "moving_variance", "running_mean", "running_std"].contains { shortName.hasSuffix($0) }
    }
}
