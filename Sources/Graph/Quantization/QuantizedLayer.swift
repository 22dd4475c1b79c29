import Tensor

/// A layer kind Keras 3 can quantize (Dense, EinsumDense, Embedding): what its stored variables are,
/// the float values they stand for, and the float form `--dequantize` runs.
public protocol QuantizedLayer: Layer {
    /// The layer's quantization, nil for a float layer.
    var quantization: QuantizationPolicy? { get }
    /// The dtype Keras stores each of `weights` as ("int8", "float32"), in `weights` order.
    var storedDTypes: [String] { get }
    /// The float variables the stored ones stand for (kernel or embeddings first, then the bias), as
    /// Keras' quantized forward uses them: int8/int4 dequantized, float8's kernel through float8.
    func dequantizedWeights() throws -> [WeightVariable]
    /// Turns the layer into its float form in place: weights dequantized, config without the policy.
    func dequantize() throws
}

extension QuantizedLayer {
    /// Bytes the stored variables take.
    public var storageBytes: Int {
        zip(weights, storedDTypes).reduce(0) { $0 + $1.0.value.count * QuantizedStorage.bytes(ofDType: $1.1) }
    }

    /// The layer's config as a float layer: the source float policy back, no quantization config.
    func floatConfig() -> JSON {
        guard var o = config.objectValue else { return config }
        let source = quantization?.sourceName ?? "float32"
        o["dtype"] = ["module": "keras", "class_name": "DTypePolicy", "config": ["name": .string(source)], "registered_name": nil]
        if o["quantization_config"] != nil { o["quantization_config"] = .null }
        return .object(o)
    }

    /// `kernel` (and `bias`) as the float variables of a Dense-like layer.
    func floatVariables(kernel: Tensor, bias: Tensor?) throws -> [WeightVariable] {
        var k = try WeightVariable(name: "kernel", shape: [0])
        k.value = kernel
        guard let bias else { return [k] }
        var b = try WeightVariable(name: "bias", shape: [0])
        b.value = bias
        return [k, b]
    }

    /// The float form of a kernel-and-bias layer: its dequantized weights, except that float8 keeps its
    /// stored float32 kernel (the float model's own), and its float config.
    func adoptFloatWeights(mode: QuantizationPolicy.Mode) throws {
        let stored = weights[0]
        weights = try dequantizedWeights()
        if mode == .float8 { weights[0].value = stored.value }
        adoptFloatConfig()
    }

    /// Replaces the identity with the float config, keeping the class name the file used.
    func adoptFloatConfig() {
        let cls = className
        identity = LayerIdentity(Self.self, name: name, config: floatConfig())
        className = cls
    }
}

/// Byte sizes of the dtypes quantized layers store.
public enum QuantizedStorage {
    public static func bytes(ofDType d: String) -> Int {
        switch d {
        case "int8", "uint8": return 1
        case "float16", "bfloat16", "int16": return 2
        case "float64", "int64": return 8
        default: return 4
        }
    }
}
