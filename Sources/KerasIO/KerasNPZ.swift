/// `model.weights.npz`, as the pinned Keras (3.15.1) writes it, and why ConvScope refuses it.
///
/// Keras' public API never writes it: only the internal `saving_lib.save_model(model, path,
/// weights_format="npz")` does, storing each layer path (`layers/dense.npy`, `__root__.npy`) as a 0-d
/// pickled object array (descr `|O`) holding a dict of variables. Keras' own loader opens it with
/// `allow_pickle=False` and fails ("Object arrays cannot be loaded"); unzipped (`zipped=False`) Keras even
/// writes the npz bytes under the name `model.weights.h5`. Unpickling would run code from the file, so
/// the file is refused with this reason rather than read.
enum KerasNPZ {
    static func refusal(file: String, member: String) -> KerasIOError {
        KerasIOError(file: file, object: member,
                     "npz weights are not read: Keras 3.15 writes them only through saving_lib.save_model(weights_format=\"npz\"), each layer as a pickled object array that its own loader refuses (allow_pickle=False), and unpickling would run code from the file; save with model.save() or save_weights(\"x.weights.h5\")",
                     kind: .unsupported)
    }

    /// Whether zip entry names are those of an `.npz` (every file member a `.npy`).
    static func isNPZ(entries: [String]) -> Bool {
        let files = entries.filter { !$0.hasSuffix("/") }
        return !files.isEmpty && files.allSatisfy { $0.hasSuffix(".npy") }
    }
}
