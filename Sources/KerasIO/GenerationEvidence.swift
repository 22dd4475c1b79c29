/// What a legacy file without `keras_version` shows about who wrote it, in place of a guess stated as fact.
///
/// Standalone Keras 2.0–2.2.4 and tf.keras both name weights `conv1/kernel:0`; Keras 1 names them
/// `conv1_W`, `conv1_b`; only the Theano backend (`backend="theano"`) flips and transposes kernels. Without
/// `keras_version` none of this dates the file exactly, so ConvScope reports the marks it saw and which reading
/// it applies (`generation`), rather than presenting that reading as the file's version.
enum GenerationEvidence {
    /// Nil when the file records `keras_version` (its generation is then a fact, not a reading).
    static func describe(version: String?, backend: String?, weightNames: [String], generation: KerasGeneration) -> String? {
        guard version == nil else { return nil }
        var marks = ["keras_version not recorded"]
        marks.append(backend.map { $0 == "theano" ? "backend theano (kernels in Theano layout)" : "backend \($0)" } ?? "backend not recorded")
        let short = weightNames.map { n -> String in
            var s = n
            if let c = s.lastIndex(of: ":") { s = String(s[..<c]) }
            return s.split(separator: "/").last.map(String.init) ?? s
        }
        if let n = weightNames.first(where: { $0.hasSuffix(":0") }) {
            marks.append("TensorFlow variable names such as '\(n)' (Keras 2 on TensorFlow or tf.keras)")
        } else if let n = short.first(where: isKeras1Name) {
            marks.append("Keras 1 weight names such as '\(n)'")
        } else if let n = weightNames.first {
            marks.append("weight names such as '\(n)' carry no version mark")
        } else {
            marks.append("no weights to judge names by")
        }
        return marks.joined(separator: "; ") + "; read as \(generation.rawValue)"
    }

    /// Keras 1's `<layer>_W`, `<layer>_b`, `<layer>_gamma`, `_running_mean`, `_running_std`, and the recurrent
    /// layers' per-gate `<layer>_W_i`, `_U_f`, `_b_z` ….
    static func isKeras1Name(_ n: String) -> Bool {
        ["_W", "_U", "_b", "_running_std"].contains { n.hasSuffix($0) }
            || ["_W_", "_U_", "_b_"].contains { n.dropLast().hasSuffix($0) }
    }
}
