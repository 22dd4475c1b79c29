import Foundation
import Graph
import ONNXMessages
import Tensor

/// A layer kind Keras 3 quantizes, written from its stored numbers: the integers (int8; int4 from opset 21,
/// unpacked to int8 before) or float8 values (float8e4m3fn, opset 19 on) as initializers through
/// DequantizeLinear, and Keras' quantization of the inputs as ONNX ops. `ONNXExporter` asks it first;
/// nil for a float layer (then its `ONNXLowering` writes it).
public protocol ONNXQuantizedLowering {
    func lowerQuantizedONNX(_ c: ONNXLoweringContext) throws -> String?
}

/// The shared pieces of the quantized lowerings.
enum ONNXQuantized {
    /// The float weight `form` stands for, as DequantizeLinear of its stored values (then the group
    /// zero points and scales, or a multiplier over several axes), reshaped to the weight's shape.
    ///
    /// `intoMatMul`: the weight is a MatMul's right operand. onnxruntime (1.31) turns DequantizeLinear →
    /// MatMul into its MatMulNBits kernel, which by default (`session.qdq_matmulnbits_accuracy_level` 4)
    /// quantizes the other operand to int8 in blocks and so leaves Keras' numbers (2e-3 on the int4
    /// fixtures); a per-channel scale is then applied by a Mul after a unit-scale DequantizeLinear,
    /// which it leaves as written.
    static func weight(_ form: QuantizedForm, _ c: ONNXLoweringContext, intoMatMul: Bool = false) throws -> String {
        let b = c.builder, n = c.name
        if form.mode == .float8 && c.opset < 19 {
            throw c.unsupported("float8 quantization (float8e4m3fn DequantizeLinear needs --opset 19 or later; or --dequantize)")
        }
        let q = stored(form.values, mode: form.mode, opset: c.opset, name: "\(n)/quantized_kernel", b)
        var w: String
        switch form.scale {
        case .scalar(let s):
            w = b.op("DequantizeLinear", [q, b.scalar(s, name: "\(n)/kernel_multiplier")], name: n)
        case .axis(let a, let m) where intoMatMul:
            let shape = [m.count] + [Int](repeating: 1, count: form.values.shape.count - 1 - a)
            w = b.op("Mul", [b.op("DequantizeLinear", [q, b.scalar(1, name: "\(n)/one")], name: n),
                             b.constant(Tensor(shape: shape, data: m), name: "\(n)/kernel_multiplier")], name: n)
        case .axis(let a, let m):
            w = b.op("DequantizeLinear", [q, b.constant(Tensor(shape: [m.count], data: m), name: "\(n)/kernel_multiplier")], name: n, .int("axis", a))
        case .broadcast(let m):
            let axes = m.shape.indices.filter { m.shape[$0] != 1 }
            if axes.count <= 1 {
                let s = axes.isEmpty ? b.scalar(m.data[0], name: "\(n)/kernel_multiplier")
                                     : b.constant(Tensor(shape: [m.count], data: m.data), name: "\(n)/kernel_multiplier")
                w = b.op("DequantizeLinear", [q, s], name: n, .int("axis", axes.first ?? 0))
            } else {
                w = b.op("Mul", [b.op("DequantizeLinear", [q, b.scalar(1, name: "\(n)/one")], name: n),
                                 b.constant(m, name: "\(n)/kernel_multiplier")], name: n)
            }
        case .groups(let a, let index, let scale, let zero):      // (q − zero[g]) · scale[g]
            let g = b.int64s(index, name: "\(n)/g_idx")
            let z = b.op("Gather", [b.constant(zero, name: "\(n)/kernel_zero"), g], name: n, .int("axis", a))
            let s = b.op("Gather", [b.constant(scale, name: "\(n)/kernel_scale"), g], name: n, .int("axis", a))
            let v = b.op("DequantizeLinear", [q, b.scalar(1, name: "\(n)/one")], name: n)
            w = b.op("Mul", [b.op("Sub", [v, z], name: n), s], name: n)
        }
        return form.shape == form.values.shape ? w : b.reshape(w, form.shape, name: n)
    }

    /// The inputs as Keras' quantized forward sees them: per row abs-max quantized and divided back
    /// (int8: clip(round(x · s), lo, hi) / s, s = hi / (max |x| + ε)), or through float8e4m3fn as Keras
    /// casts them: cast(clip(x / s, ±448), float8e4m3fn) · s. (Not QuantizeLinear: onnxruntime 1.31 drops
    /// a Relu before a QuantizeLinear whose zero point is 0 — right for uint8, wrong for signed float8.)
    static func input(_ x: String, _ form: QuantizedForm, _ c: ONNXLoweringContext) throws -> String {
        let b = c.builder, n = c.name
        switch form.input {
        case .none:
            return x
        case .absMax(let quantizer, let axes):
            let m = b.reduce("ReduceMax", b.op("Abs", [x], name: n), axes: axes, keepdims: true, name: n)
            let s = b.op("Div", [b.scalar(quantizer.high, name: "\(n)/quantizer_high"),
                                 b.op("Add", [m, b.scalar(quantizer.epsilon, name: "\(n)/quantizer_epsilon")], name: n)], name: n)
            let q = b.op("Clip", [b.op("Round", [b.op("Mul", [x, s], name: n)], name: n),
                                  b.scalar(quantizer.low, name: "\(n)/quantizer_low"), b.scalar(quantizer.high, name: "\(n)/quantizer_high")], name: n)
            return b.op("Div", [q, s], name: n)
        case .float8(let scale):
            let s = b.scalar(scale, name: "\(n)/inputs_scale")
            let clipped = b.op("Clip", [b.op("Div", [x, s], name: n), b.scalar(-448, name: "\(n)/float8_low"), b.scalar(448, name: "\(n)/float8_high")], name: n)
            let float8 = b.op("Cast", [clipped], name: n, .int("to", ONNXTensorProto.DataType.float8E4M3Fn.rawValue))
            return b.op("Mul", [b.op("Cast", [float8], name: n, .int("to", ONNXTensorProto.DataType.float.rawValue)), s], name: n)
        }
    }

    /// The stored values as an initializer: float8e4m3fn bytes, int4 nibbles (opset 21 on), else int8.
    static func stored(_ t: Tensor, mode: QuantizationPolicy.Mode, opset: Int, name: String, _ b: ONNXGraphBuilder) -> String {
        switch mode {
        case .float8:
            return b.raw(Data(t.data.map(float8E4M3FN)), type: .float8E4M3Fn, dims: t.shape, name: name)
        case .int4 where opset >= 21:                       // two per byte, flat order, the first in the low nibble
            var bytes = [UInt8](repeating: 0, count: (t.count + 1) / 2)
            for (i, v) in t.data.enumerated() { bytes[i / 2] |= (UInt8(bitPattern: Int8(v)) & 0x0F) << (4 * (i % 2)) }
            return b.raw(Data(bytes), type: .int4, dims: t.shape, name: name)
        default:
            return b.raw(Data(t.data.map { UInt8(bitPattern: Int8($0)) }), type: .int8, dims: t.shape, name: name)
        }
    }

    /// The float8_e4m3fn bits of a value on its grid (|v| ≤ 448): 4 exponent bits (bias 7), 3 mantissa bits.
    static func float8E4M3FN(_ v: Float) -> UInt8 {
        let sign: UInt8 = v.sign == .minus ? 0x80 : 0
        let a = abs(v)
        guard a != 0 else { return sign }
        let e = Int(a.exponent)
        if e >= -6 { return sign | UInt8(e + 7) << 3 | UInt8((a.significand - 1) * 8) }
        return sign | UInt8(a * 512)                       // subnormal: a = m · 2⁻⁹
    }
}
