import Graph

/// The stored dtypes of a quantized layer's variables, checked against the layout its policy implies
/// (an int8 kernel stored as float32, a scale stored as int8: a file Keras did not write).
enum QuantizedStorageCheck {
    static func check(_ stored: [StoredWeight], layer: any Layer, path: String, file: String) throws {
        guard let q = layer as? any QuantizedLayer, let policy = q.quantization else { return }
        let want = q.storedDTypes
        for (i, w) in stored.enumerated() where i < want.count && w.dtype != want[i] {
            throw KerasIOError(file: file, object: "layer '\(path)'",
                               "variable \(layer.weights[i].name) (\(w.path)) is stored as \(w.dtype), but Keras' \(policy.name) layout stores it as \(want[i])")
        }
    }
}
