import Graph
import HDF5

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

    /// Writes `v` as Keras stores it: int8/uint8 variables of a quantized layer as 8-bit datasets (their
    /// values are the stored integers), everything else as float32.
    static func write(_ v: WeightVariable, dtype: String, name: String, into group: H5Group) throws {
        switch dtype {
        case "int8", "uint8":
            let signed = dtype == "int8"
            let range: ClosedRange<Float> = signed ? -128...127 : 0...255
            let bytes = try v.value.data.map { f -> UInt8 in
                guard f == f.rounded(), range.contains(f) else {
                    throw KerasIOError(file: name, object: "variable \(v.name)", "value \(f) does not fit \(dtype)", kind: .unsupported)
                }
                return signed ? UInt8(bitPattern: Int8(f)) : UInt8(f)
            }
            try group.createDataset(name: name, shape: v.value.shape, bytes: bytes, signed: signed)
        default:
            try group.createDataset(name: name, shape: v.value.shape, floats: v.value.data)
        }
    }

    /// The first layer quantized in a mode outside `readable`, and its mode.
    static func firstQuantized(_ entries: [ModelEntry], except readable: Set<QuantizationPolicy.Mode>) -> (String, QuantizationPolicy.Mode)? {
        for e in entries {
            if let c = e.children, let p = firstQuantized(c, except: readable) { return p }
            if let q = (e.layer as? any QuantizedLayer)?.quantization, !readable.contains(q.mode) { return (e.path, q.mode) }
        }
        return nil
    }

    /// A legacy `.h5` (Keras 3 `model.save("x.h5")`) stores a layer's variables in `layer.weights` order,
    /// trainable first (a quantized Dense: bias, kernel, kernel_scale): put them in the layer's order by
    /// name when the names match one to one; otherwise leave them as stored (the count and shape
    /// checks then name what differs).
    static func ordered(_ stored: [StoredWeight], for layer: any Layer) -> [StoredWeight] {
        guard let q = layer as? any QuantizedLayer, q.quantization != nil else { return stored }
        let names = layer.weights.map(\.name)
        guard Set(stored.map(\.shortName)) == Set(names), stored.count == names.count else { return stored }
        return names.compactMap { n in stored.first { $0.shortName == n } }
    }
}
