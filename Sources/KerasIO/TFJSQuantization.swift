/// TensorFlow.js weight quantization (`tensorflowjs_converter --quantize_uint8|uint16|float16`):
/// the manifest keeps the weight's `dtype` and adds `quantization {dtype, min, scale, original_dtype}`.
/// Dequantized as tfjs-core's `io_utils.ts` does; quantized as tfjs-converter's `quantization.py` does.
public enum TFJSQuantization: String, CaseIterable, Codable, Sendable {
    case uint8
    case uint16
    case float16

    /// Bytes per stored element.
    public var itemSize: Int { self == .uint8 ? 1 : 2 }

    /// Largest quantized value of the affine kinds.
    var levels: Double { self == .uint8 ? 255 : 65_535 }

    /// The values of `count` stored elements at `bytes[offset...]` (little-endian).
    /// uint8/uint16: `q * scale + min` in double, then float32 (int32 weights: rounded half up, as `Math.round`);
    /// float16: IEEE binary16 → float32 exactly.
    public func dequantize(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, min: Double, scale: Double,
                    roundToInteger: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        switch self {
        case .float16:
            for i in 0..<count {
                let bits = UInt16(bytes[offset + 2 * i]) | UInt16(bytes[offset + 2 * i + 1]) << 8
                out[i] = Float(Float16(bitPattern: bits))
            }
        case .uint8, .uint16:
            for i in 0..<count {
                let q = self == .uint8 ? Double(bytes[offset + i])
                    : Double(UInt16(bytes[offset + 2 * i]) | UInt16(bytes[offset + 2 * i + 1]) << 8)
                let v = q * scale + min
                out[i] = Float(roundToInteger ? (v + 0.5).rounded(.down) : v)
            }
        }
        return out
    }

    /// Quantizes float32 values: the stored bytes and the (min, scale) recorded in the manifest (nil for float16).
    /// The affine range is nudged so 0 is exactly representable when min ≤ 0 ≤ max; a constant tensor
    /// stores all zeros with scale 1 (`quantization.py`).
    public func quantize(_ values: [Float]) -> (bytes: [UInt8], min: Double?, scale: Double?) {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * itemSize)
        if self == .float16 {
            for v in values {
                let bits = Float16(v).bitPattern
                out.append(UInt8(bits & 0xFF))
                out.append(UInt8(bits >> 8))
            }
            return (out, nil, nil)
        }
        let lo = Double(values.min() ?? 0), hi = Double(values.max() ?? 0)
        guard lo != hi else { return ([UInt8](repeating: 0, count: values.count * itemSize), lo, 1) }
        let scale = (hi - lo) / levels
        var nudgedMin = lo, nudgedMax = hi
        if lo <= 0 && 0 <= hi {
            let zeroPoint = ((0 - lo) / scale).rounded(.toNearestOrEven)
            nudgedMin = -zeroPoint * scale
            nudgedMax = levels * scale + nudgedMin
        }
        for v in values {
            let clipped = Swift.min(Swift.max(Double(v), nudgedMin), nudgedMax)
            let q = Swift.min(Swift.max(((clipped - nudgedMin) / scale).rounded(.toNearestOrEven), 0), levels)
            let u = UInt16(q)
            out.append(UInt8(u & 0xFF))
            if self == .uint16 { out.append(UInt8(u >> 8)) }
        }
        return (out, nudgedMin, scale)
    }
}
