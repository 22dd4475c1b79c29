/// The number formats Keras' quantized layers store or round through, in float32 arithmetic
/// (checked against TensorFlow's own casts: Fixtures/quantized/numbers.*).
public enum QuantizedNumbers {
    /// An 8-bit float format (ml_dtypes): mantissa bits, smallest normal exponent, largest finite value.
    public struct Float8Format: Sendable {
        let mantissaBits: Int
        let minNormalExponent: Int
        public let max: Float
        /// `float8_e4m3fn` (forward values in Keras' float8 mode): max 448.
        public static let e4m3fn = Float8Format(mantissaBits: 3, minNormalExponent: -6, max: 448)
        /// `float8_e5m2` (output gradients in Keras' float8 mode): max 57344.
        public static let e5m2 = Float8Format(mantissaBits: 2, minNormalExponent: -14, max: 57344)

        /// `v` rounded to the nearest value of the format (ties to even), `v` already within ±max.
        public func round(_ v: Float) -> Float {
            guard v.isFinite, v != 0 else { return v }
            let e = Swift.max(Int(v.exponent), minNormalExponent)
            let quantum = Float(sign: .plus, exponent: e - mantissaBits, significand: 1)
            return (v / quantum).rounded(.toNearestOrEven) * quantum
        }

        /// Keras' `quantize_and_dequantize`: x / scale clipped to ±max, cast to the format, times scale.
        public func quantizeDequantize(_ x: Float, scale: Float) -> Float {
            let q = Swift.min(Swift.max(x / scale, -max), max)
            return round(q) * scale
        }
    }

    /// `v` through bfloat16 and back (round to nearest even), as `ops.cast(x, "bfloat16")` does.
    public static func bfloat16RoundTrip(_ v: Float) -> Float {
        guard v.isFinite else { return v }
        let bits = v.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
        return Float(bitPattern: rounded)
    }

    /// Keras' `unpack_int4` along the last axis: `packed` (rows, ceil(n/2)) signed bytes → (rows, n)
    /// values in -8…7, the low nibble first.
    public static func unpackInt4(_ packed: [Float], rows: Int, columns n: Int) -> [Float] {
        let pc = (n + 1) / 2
        var out = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for c in 0..<pc {
                let byte = UInt8(bitPattern: Int8(packed[r * pc + c]))
                let lo = Int(byte & 0x0F), hi = Int(byte >> 4)
                out[r * n + 2 * c] = Float((lo ^ 8) - 8)
                if 2 * c + 1 < n { out[r * n + 2 * c + 1] = Float((hi ^ 8) - 8) }
            }
        }
        return out
    }
}
