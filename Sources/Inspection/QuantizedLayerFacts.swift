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
    public static func of(_ model: KerasModel) -> [QuantizedLayerFacts] {
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
    public static func dequantizedStatistics(_ model: KerasModel) throws -> [WeightStatistics] {
        try model.flattenedLayers.flatMap { e -> [WeightStatistics] in
            guard let q = e.layer as? any QuantizedLayer, q.quantization != nil else { return [] }
            return try q.dequantizedWeights().map {
                WeightStatistics.of($0.value.data, layer: e.path, name: $0.name, shape: $0.value.shape, dtype: "float32 (dequantized)")
            }
        }
    }
}
