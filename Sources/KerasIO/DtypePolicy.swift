import Graph

/// A layer's Keras dtype policy as its config states it, and the dtypes Keras derives from it
/// (`keras.DTypePolicy`): `mixed_float16` / `mixed_bfloat16` keep float32 variables and compute in half
/// precision; a plain dtype name (`bfloat16`, `float16`, `float32`) is both. ConvScope computes every layer
/// in float32 from the stored values; `inspect` reports where Keras would not.
public struct DtypePolicy: Codable, Equatable, Sendable {
    public var layer: String
    /// The policy's name (`mixed_bfloat16`, `float16`, `int8_from_float32` …).
    public var policy: String
    public var variableDtype: String
    public var computeDtype: String

    /// The policy of a layer config's `dtype`: Keras 3 `{"class_name": "DTypePolicy", "config": {"name": …}}`,
    /// tf-keras `{"class_name": "Policy", …}`, or a bare dtype name. Nil when the config states none.
    public init?(layer: String, config: JSON) {
        let d = config["dtype"]
        guard let name = d?.stringValue ?? d?["config"]?["name"]?.stringValue else { return nil }
        self.layer = layer
        policy = name
        // Quantized policies (`int8_from_mixed_bfloat16`) compute as the policy they were made from.
        let source = name.range(of: "_from_").map { String(name[$0.upperBound...]) } ?? name
        switch source {
        case "mixed_float16": (variableDtype, computeDtype) = ("float32", "float16")
        case "mixed_bfloat16": (variableDtype, computeDtype) = ("float32", "bfloat16")
        default: (variableDtype, computeDtype) = (source, source)
        }
    }

    /// Every layer of `model` whose policy is not plain float32, in model order.
    public static func halfPrecisionLayers(of model: KerasModel) -> [DtypePolicy] {
        model.flattenedLayers.compactMap { e in
            guard let l = e.layer, let p = DtypePolicy(layer: e.path, config: l.config) else { return nil }
            return p.policy == "float32" ? nil : p
        }
    }
}
