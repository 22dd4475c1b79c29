import Graph
import KerasIO

/// One quantized layer as `inspect` shows it: Keras' policy, each stored variable with its dtype and
/// bits, the bytes they take, and Keras' `count_params()` (every stored element counts once).
public struct QuantizedLayerFacts: Codable, Equatable {
    public struct Variable: Codable, Equatable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        /// Bits per stored value (int4 kernels: 4, though stored two per int8 byte).
        public var bits: Int
        public var bytes: Int
    }
    public var layer: String
    public var className: String
    /// Keras' policy name (`int8_from_float32`, `int4/128_from_float32`).
    public var policy: String
    public var mode: String
    /// int4 sub-channel group size; absent when per channel.
    public var blockSize: Int?
    public var variables: [Variable]
    public var storageBytes: Int
    /// What the layer's float variables (kernel or embeddings, bias) take as float32.
    public var float32Bytes: Int
    public var countParams: Int

    /// Every quantized layer of `model`, in model order.
    static func of(_ model: KerasModel) -> [QuantizedLayerFacts] {
        model.flattenedLayers.compactMap { e in
            guard let q = e.layer as? any QuantizedLayer, let p = q.quantization else { return nil }
            let vars = zip(q.weights, q.storedDTypes).map { w, d in
                let packed = p.mode.bits == 4 && (w.name == "kernel" || w.name == "embeddings") && d.hasSuffix("int8")
                return Variable(name: w.name, shape: w.value.shape, dtype: d, bits: packed ? 4 : QuantizedStorage.bytes(ofDType: d) * 8,
                                bytes: w.value.count * QuantizedStorage.bytes(ofDType: d))
            }
            let floatCount = (try? q.dequantizedWeights().reduce(0) { $0 + $1.value.count }) ?? 0
            return QuantizedLayerFacts(layer: e.path, className: e.className, policy: p.name, mode: p.mode.rawValue,
                                       blockSize: p.blockSize, variables: vars, storageBytes: q.storageBytes,
                                       float32Bytes: floatCount * 4, countParams: q.parameterCount)
        }
    }

    /// Statistics of each quantized layer's dequantized variables (`inspect --weights`).
    static func dequantizedStatistics(_ model: KerasModel) throws -> [WeightStatistics] {
        try model.flattenedLayers.flatMap { e -> [WeightStatistics] in
            guard let q = e.layer as? any QuantizedLayer, q.quantization != nil else { return [] }
            return try q.dequantizedWeights().map {
                WeightStatistics.of($0.value.data, layer: e.path, name: $0.name, shape: $0.value.shape, dtype: "float32 (dequantized)")
            }
        }
    }

    /// The text section of `inspect`.
    static func render(_ facts: [QuantizedLayerFacts], statistics: [WeightStatistics]?) -> [String] {
        guard !facts.isEmpty else { return [] }
        var rows = [["Layer", "Policy", "Variable", "Shape", "Stored", "Bits", "Bytes"]]
        for f in facts {
            for (i, v) in f.variables.enumerated() {
                rows.append([i == 0 ? "\(f.layer) (\(f.className))" : "", i == 0 ? f.policy : "", v.name,
                             "(" + v.shape.map(String.init).joined(separator: ", ") + ")", v.dtype, String(v.bits), formatCount(v.bytes)])
            }
        }
        var lines = ["", "Quantized layers (Keras count_params, storage against float32):"]
        lines += table(rows)
        for f in facts {
            lines.append("  \(f.layer): \(formatCount(f.countParams)) params, \(formatBytes(f.storageBytes)) stored, \(formatBytes(f.float32Bytes)) as float32")
        }
        if let statistics, !statistics.isEmpty {
            lines.append("")
            lines.append("Dequantized values:")
            var s = [["Weight", "Shape", "Min", "Max", "Mean", "Std", "Zeros"]]
            for w in statistics {
                s.append(["\(w.layer)/\(w.name)", "(" + w.shape.map(String.init).joined(separator: ", ") + ")",
                          Inspect.fmt(w.min), Inspect.fmt(w.max), Inspect.fmt(w.mean), Inspect.fmt(w.std),
                          String(format: "%.1f%%", w.zeroFraction * 100)])
            }
            lines += table(s)
        }
        return lines
    }
}
