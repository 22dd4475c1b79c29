import Graph

extension KerasModel {
    /// Paths of the layers Keras quantized, in model order.
    public var quantizedLayerPaths: [String] {
        flattenedLayers.compactMap { e in (e.layer as? any QuantizedLayer)?.quantization != nil ? e.path : nil }
    }

    /// Turns every quantized layer into its float form in place (`--dequantize`): weights dequantized,
    /// the layer configs and the source config written back with each layer's float source policy and
    /// no quantization config. Returns the paths of the layers it changed.
    @discardableResult
    public func dequantize() throws -> [String] {
        let paths = quantizedLayerPaths
        guard !paths.isEmpty else { return [] }
        for e in flattenedLayers { if let q = e.layer as? any QuantizedLayer { try q.dequantize() } }
        sourceConfig = sourceConfig.map(Self.floatPolicies)
        return paths
    }

    /// `config` with every quantized dtype policy replaced by its float source and quantization configs nulled.
    static func floatPolicies(_ config: JSON) -> JSON {
        switch config {
        case .array(let a): return .array(a.map(floatPolicies))
        case .object(var o):
            if let d = o["dtype"], let q = try? QuantizationPolicy.read(.object(JSONObject([("dtype", d)])), layer: "") {
                o["dtype"] = ["module": "keras", "class_name": "DTypePolicy", "config": ["name": .string(q.sourceName)], "registered_name": nil]
                if o["quantization_config"] != nil { o["quantization_config"] = .null }
            }
            for k in o.keys where k != "dtype" { o[k] = floatPolicies(o[k]!) }
            return .object(o)
        default: return config
        }
    }
}
