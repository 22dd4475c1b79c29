import MemoryLimit

/// A model's weights are all in memory at once as float32, so their declared total is checked against
/// the memory limit before the first value is read (each dataset read is checked again on its own).
enum WeightMemory {
    static func check(_ layers: [StoredLayer], file: String, limit: Int = MemoryLimit.bytes) throws {
        let weights = StoredWeights(layers: layers).weights
        let values = DeclaredSize.sum(weights.map { DeclaredSize.product($0.shape) })
        let bytes = values.flatMap { DeclaredSize.product([$0, MemoryLayout<Float>.size]) }
        let detail = "\(values.map(String.init) ?? "too many") values in \(weights.count) arrays as float32"
        if let refusal = MemoryLimit.refusal("the weights", declares: bytes, detail: detail, verb: "declare", limit: limit) {
            throw KerasIOError(file: file, refusal)
        }
    }
}
