/// How Keras 3 quantized a layer, read from the layer config's `dtype` (a quantized dtype policy:
/// `QuantizedDTypePolicy` `{"mode": "int8", "source_name": "float32"}`, `Int4DTypePolicy`
/// `{"mode": "int4/128"}`, `QuantizedFloat8DTypePolicy` `{"mode": "float8", "amax_history_length": 1024}`;
/// Keras before 3.13 wrote `{"name": "int8_from_float32"}`) and its `quantization_config` (the
/// activation quantizer). Only Dense, EinsumDense and Embedding quantize in Keras 3.15.
public struct QuantizationPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable, Codable {
        case int8, int4, float8, gptq, awq
        /// Bits of one stored kernel value.
        public var bits: Int {
            switch self {
            case .int8, .float8: return 8
            case .int4, .gptq, .awq: return 4
            }
        }
    }

    public let mode: Mode
    /// int4 sub-channel groups: rows of the kernel's input axis (Embedding: columns of its output axis)
    /// sharing one scale and zero point; nil when per channel (`int4/-1`).
    public let blockSize: Int?
    /// The float policy the layer was quantized from ("float32").
    public let sourceName: String
    /// float8: length of each amax history.
    public let amaxHistoryLength: Int
    /// The quantizer Keras applies to the layer's inputs on the fly (int8's `AbsMaxQuantizer`), if any.
    public let inputQuantizer: AbsMaxQuantizer?

    /// The policy of `config`; nil when the layer is not quantized. Unknown modes and malformed
    /// policies are refused naming the layer.
    public static func read(_ config: JSON, layer: String) throws -> QuantizationPolicy? {
        guard let dtype = config["dtype"], let policy = dtype.objectValue else { return nil }
        let className = policy["class_name"]?.stringValue ?? ""
        let inner = policy["config"] ?? .null
        guard className != "DTypePolicy", className != "FloatDTypePolicy" else { return nil }
        var modeText: String
        var source = inner["source_name"]?.stringValue ?? "float32"
        if let m = inner["mode"]?.stringValue {
            modeText = m
        } else if let n = inner["name"]?.stringValue, let r = n.range(of: "_from_") {
            modeText = String(n[..<r.lowerBound])
            source = String(n[r.upperBound...])
        } else if className.contains("Quantized") || className.contains("Int4") || className.contains("GPTQ") || className.contains("AWQ") {
            throw LayerError(layer, "quantized dtype policy \(className) names no mode")
        } else {
            return nil
        }
        let parts = modeText.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let mode = Mode(rawValue: parts[0]) else {
            throw LayerError(layer, "unknown quantization mode '\(modeText)' (Keras 3.15 writes \(Mode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var block: Int?
        if mode == .int4 && parts.count > 1 {
            guard parts.count == 2, let b = Int(parts[1]), b == -1 || b > 0 else {
                throw LayerError(layer, "int4 policy '\(modeText)' must be int4/<block size> or int4/-1")
            }
            block = b == -1 ? nil : b
        } else if mode == .int4 || mode == .int8 || mode == .float8, parts.count > 1 {
            throw LayerError(layer, "quantization mode '\(modeText)' has an unexpected suffix")
        }
        var history = 1024
        if mode == .float8, let h = inner["amax_history_length"] {
            guard let v = h.intValue, v > 0, v <= 1 << 20 else {
                throw LayerError(layer, "float8 amax_history_length must be a positive integer up to 2^20")
            }
            history = v
        }
        let qc = config["quantization_config"]
        var quantizer: AbsMaxQuantizer?
        if let qc, !qc.isNull {
            let aq = qc["config"]?["activation_quantizer"]
            if let aq, !aq.isNull { quantizer = try AbsMaxQuantizer(aq, layer: layer) }
        } else if mode == .int8 {
            quantizer = AbsMaxQuantizer()          // Keras' default for int8 when no config was written
        }
        return QuantizationPolicy(mode: mode, blockSize: block, sourceName: source, amaxHistoryLength: history,
                                  inputQuantizer: mode == .int8 || mode == .int4 ? quantizer : nil)
    }

    /// The policy name Keras prints (`int8_from_float32`, `int4/128_from_float32`).
    public var name: String {
        let m = mode == .int4 ? "int4/\(blockSize ?? -1)" : mode.rawValue
        return "\(m)_from_\(sourceName)"
    }
}

/// Keras' `AbsMaxQuantizer` on a layer's inputs: per row of the last axis, scale = hi / (max|x| + ε),
/// q = clip(round(x · scale), lo, hi) (round half to even, as TensorFlow rounds).
public struct AbsMaxQuantizer: Sendable, Equatable {
    public var low: Float = -127
    public var high: Float = 127
    public var epsilon: Float = 1e-7

    public init() {}

    init(_ json: JSON, layer: String) throws {
        guard json["class_name"]?.stringValue == "AbsMaxQuantizer" else {
            throw LayerError(layer, "activation quantizer \(json["class_name"]?.stringValue ?? "?") is not one ConvScope runs (AbsMaxQuantizer)")
        }
        let c = json["config"] ?? .null
        if let r = c["value_range"]?.arrayValue {
            guard r.count == 2, let lo = r[0].doubleValue, let hi = r[1].doubleValue, lo < 0, hi > 0, lo >= -128, hi <= 127 else {
                throw LayerError(layer, "activation quantizer value_range must be two integers within [-128, 127] around 0")
            }
            (low, high) = (Float(lo), Float(hi))
        }
        if let e = c["epsilon"]?.doubleValue { epsilon = Float(e) }
        if let axis = c["axis"], !axis.isNull, axis.arrayValue?.map(\.intValue) != [-1], axis.intValue != -1 {
            throw LayerError(layer, "activation quantizer axis \(axis.serialized()) is not the last axis")
        }
    }

    /// Quantizes `rows` rows of `width` values in place; returns each row's scale.
    public func quantize(_ x: inout [Float], rows: Int, width: Int) -> [Float] {
        var scales = [Float](repeating: 1, count: rows)
        for r in 0..<rows {
            var m: Float = 0
            for i in 0..<width { m = max(m, abs(x[r * width + i])) }
            let s = high / (m + epsilon)
            scales[r] = s
            for i in 0..<width {
                let q = (x[r * width + i] * s).rounded(.toNearestOrEven)
                x[r * width + i] = min(max(q, low), high)
            }
        }
        return scales
    }
}
