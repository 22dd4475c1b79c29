import Tensor

/// The quantized (input_dim, output_dim) table of an Embedding, in Keras' stored order:
/// - int8: embeddings int8, embeddings_scale (input_dim); row r = q[r] / scale[r].
/// - int4 per row (`int4/-1`): embeddings packed two per byte (input_dim, ceil(output_dim/2)),
///   embeddings_scale (input_dim); row r = q[r] / scale[r].
/// - int4 sub-channel (`int4/<block>`): packed embeddings, embeddings_scale and embeddings_zero
///   (input_dim, groups), g_idx (output_dim); E[r, j] = (q[r, j] − zero[r, g]) · scale[r, g], g = g_idx[j].
/// Keras quantizes no Embedding to float8. The table is not trainable once quantized.
public struct QuantizedTable: Sendable {
    public let policy: QuantizationPolicy
    public let rows: Int
    public let columns: Int
    public let layer: String
    public let slots: [(name: String, shape: [Int], dtype: String)]

    public init(policy: QuantizationPolicy, rows: Int, columns: Int, layer: String) throws {
        self.policy = policy
        self.rows = rows
        self.columns = columns
        self.layer = layer
        slots = try Self.slots(policy: policy, rows: rows, columns: columns, layer: layer)
    }

    public static func names(policy: QuantizationPolicy) -> [String] {
        (try? slots(policy: policy, rows: 1, columns: 1, layer: "")).map { $0.map(\.name) } ?? ["embeddings"]
    }

    static func slots(policy: QuantizationPolicy, rows: Int, columns: Int, layer: String) throws -> [(name: String, shape: [Int], dtype: String)] {
        switch policy.mode {
        case .int8:
            return [("embeddings", [rows, columns], "int8"), ("embeddings_scale", [rows], "float32")]
        case .int4:
            let packed = [rows, (columns + 1) / 2]
            guard let b = policy.blockSize else { return [("embeddings", packed, "int8"), ("embeddings_scale", [rows], "float32")] }
            let groups = (columns + b - 1) / b
            return [("embeddings", packed, "int8"), ("embeddings_scale", [rows, groups], "float32"),
                    ("embeddings_zero", [rows, groups], "int8"), ("g_idx", [columns], "float32")]
        case .float8, .gptq, .awq:
            throw LayerError(layer, "Keras quantizes no Embedding to \(policy.mode.rawValue) (int8 and int4 only)")
        }
    }

    public func variables() throws -> [WeightVariable] {
        try slots.map { try WeightVariable(name: $0.name, shape: $0.shape, trainable: false) }
    }

    public var dtypes: [String] { slots.map(\.dtype) }

    func value(_ name: String, _ w: [WeightVariable]) -> [Float] { w[slots.firstIndex { $0.name == name }!].value.data }

    /// The float table (input_dim, output_dim) Keras' lookups produce.
    public func dequantized(_ w: [WeightVariable]) throws -> Tensor {
        let q = policy.mode == .int4 ? QuantizedNumbers.unpackInt4(value("embeddings", w), rows: rows, columns: columns)
                                     : value("embeddings", w)
        let scale = value("embeddings_scale", w)
        var e = [Float](repeating: 0, count: rows * columns)
        if policy.blockSize != nil && policy.mode == .int4 {
            let zero = value("embeddings_zero", w), n = slots[1].shape[1]
            let g = try value("g_idx", w).enumerated().map { i, v -> Int in
                guard v == v.rounded(), v >= 0, Int(v) < n else {
                    throw LayerError(layer, "variable g_idx[\(i)] is \(v): group indices must be integers in 0..<\(n)")
                }
                return Int(v)
            }
            for r in 0..<rows { for j in 0..<columns {
                let s = r * n + g[j]
                e[r * columns + j] = (q[r * columns + j] - zero[s]) * scale[s]
            } }
        } else {
            for r in 0..<rows { for j in 0..<columns { e[r * columns + j] = q[r * columns + j] / scale[r] } }
        }
        return Tensor(shape: [rows, columns], data: e)
    }

    public var trainingRefusal: LayerError {
        LayerError(layer, "\(policy.mode.rawValue) embeddings are not trainable in Keras (stored trainable=False): train the float model, or run with --dequantize")
    }
}
