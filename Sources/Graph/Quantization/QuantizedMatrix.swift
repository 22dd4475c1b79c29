import Tensor

/// The quantized (in, out) kernel of a Dense layer (and of an EinsumDense whose product is one matrix
/// product): its variables in Keras' `variable_serialization_spec` order, and Keras' quantized forward.
///
/// - int8: kernel int8 (in, out), bias, kernel_scale (out); W = q / scale; inputs quantized on the fly
///   per row by the activation quantizer (`AbsMaxQuantizer`, ±127), y = (xq · q) / (scale · input scale).
/// - int4 per channel (`int4/-1`): kernel packed two per byte (in, ceil(out/2)), bias, kernel_scale (out);
///   W = q / scale; no input quantizer unless the config names one.
/// - int4 sub-channel (`int4/<block>`): kernel packed, bias, kernel_scale and kernel_zero (groups, out),
///   g_idx (in); W = (q − zero[g]) · scale[g] for row i in group g = g_idx[i]; y = x · W.
/// - float8: kernel float32, bias, then scale and amax history for inputs, kernel and output gradients;
///   y = qdq(x, inputs_scale) · qdq(kernel, kernel_scale) with qdq through float8_e4m3fn, and the bias
///   rounded through bfloat16 (Keras does so under a float32 compute dtype).
///
/// Gradients follow Keras' custom gradients: inputs get upstream · Wᵀ (int8, int4: the dequantized
/// kernel, the input quantizer passed straight through; float8: the upstream through float8_e5m2 with
/// outputs_grad_scale, then the float8 kernel). Keras creates int8/int4 kernels with trainable=False and
/// updates float8 scales by overwriting them with gradients, so weight gradients are refused.
public struct QuantizedMatrix: Sendable {
    public let policy: QuantizationPolicy
    public let inDim: Int
    public let outDim: Int
    public let useBias: Bool
    public let layer: String
    /// (name, stored shape, stored dtype) in Keras' stored order.
    public let slots: [(name: String, shape: [Int], dtype: String)]

    public init(policy: QuantizationPolicy, inDim: Int, outDim: Int, useBias: Bool, layer: String) throws {
        self.policy = policy
        self.inDim = inDim
        self.outDim = outDim
        self.useBias = useBias
        self.layer = layer
        slots = try Self.slots(policy: policy, inDim: inDim, outDim: outDim, useBias: useBias, layer: layer)
    }

    /// Variable names in stored order for `policy` (before shapes are known).
    public static func names(policy: QuantizationPolicy, useBias: Bool) -> [String] {
        (try? slots(policy: policy, inDim: 1, outDim: 1, useBias: useBias, layer: "")).map { $0.map(\.name) } ?? []
    }

    static func slots(policy: QuantizationPolicy, inDim: Int, outDim: Int, useBias: Bool, layer: String) throws -> [(name: String, shape: [Int], dtype: String)] {
        let bias: [(name: String, shape: [Int], dtype: String)] = useBias ? [("bias", [outDim], "float32")] : []
        switch policy.mode {
        case .int8:
            return [("kernel", [inDim, outDim], "int8")] + bias + [("kernel_scale", [outDim], "float32")]
        case .int4:
            let packed = [inDim, (outDim + 1) / 2]
            guard let b = policy.blockSize else {
                return [("kernel", packed, "int8")] + bias + [("kernel_scale", [outDim], "float32")]
            }
            let groups = (inDim + b - 1) / b
            return [("kernel", packed, "int8")] + bias + [("kernel_scale", [groups, outDim], "float32"),
                                                         ("kernel_zero", [groups, outDim], "int8"), ("g_idx", [inDim], "float32")]
        case .float8:
            let h = [policy.amaxHistoryLength]
            return [("kernel", [inDim, outDim], "float32")] + bias + [
                ("inputs_scale", [], "float32"), ("inputs_amax_history", h, "float32"),
                ("kernel_scale", [], "float32"), ("kernel_amax_history", h, "float32"),
                ("outputs_grad_scale", [], "float32"), ("outputs_grad_amax_history", h, "float32")]
        case .gptq, .awq:
            // What Keras 3.15.1 writes (Fixtures/formats16): every variable but kernel_zero, and its load_model refuses the file.
            let expected = (useBias ? 1 : 0) + (policy.mode == .awq ? 5 : 4)
            throw LayerError(layer, "\(policy.mode.rawValue)-quantized layers are not read: the file Keras 3.15.1 writes stores \(expected - 1) of the \(expected) variables its own load_model expects (kernel_zero, the zero points of the 4-bit values, is left out), so Keras refuses it and the weights cannot be recovered from it")
        }
    }

    public func variables() throws -> [WeightVariable] {
        try slots.map { try WeightVariable(name: $0.name, shape: $0.shape, trainable: false) }
    }

    public var dtypes: [String] { slots.map(\.dtype) }

    func value(_ name: String, _ w: [WeightVariable]) -> [Float] {
        w[slots.firstIndex { $0.name == name }!].value.data
    }

    /// Group of each input row (int4 sub-channel), checked against the number of groups.
    func groups(_ w: [WeightVariable]) throws -> [Int] {
        let g = value("g_idx", w)
        let n = slots.first { $0.name == "kernel_scale" }!.shape[0]
        return try g.enumerated().map { i, v in
            guard v == v.rounded(), v >= 0, Int(v) < n else {
                throw LayerError(layer, "variable g_idx[\(i)] is \(v): group indices must be integers in 0..<\(n)")
            }
            return Int(v)
        }
    }

    /// The kernel's integer values (in, out) (int8 and int4).
    func integerKernel(_ w: [WeightVariable]) -> [Float] {
        policy.mode == .int4 ? QuantizedNumbers.unpackInt4(value("kernel", w), rows: inDim, columns: outDim) : value("kernel", w)
    }

    /// The float kernel (in, out) Keras' forward stands for.
    public func dequantizedKernel(_ w: [WeightVariable]) throws -> Tensor {
        var k = [Float](repeating: 0, count: inDim * outDim)
        switch policy.mode {
        case .int8, .int4:
            let q = integerKernel(w)
            let scale = value("kernel_scale", w)
            if policy.blockSize != nil {
                let zero = value("kernel_zero", w), g = try groups(w)
                for i in 0..<inDim { for j in 0..<outDim {
                    let s = g[i] * outDim + j
                    k[i * outDim + j] = (q[i * outDim + j] - zero[s]) * scale[s]
                } }
            } else {
                for i in 0..<inDim { for j in 0..<outDim { k[i * outDim + j] = q[i * outDim + j] / scale[j] } }
            }
        case .float8:
            let s = value("kernel_scale", w)[0]
            k = value("kernel", w).map { QuantizedNumbers.Float8Format.e4m3fn.quantizeDequantize($0, scale: s) }
        case .gptq, .awq:
            throw LayerError(layer, "\(policy.mode.rawValue) is not read")
        }
        return Tensor(shape: [inDim, outDim], data: k)
    }

    /// The bias as Keras adds it (float8 under float32: through bfloat16).
    public func bias(_ w: [WeightVariable]) -> [Float]? {
        guard useBias else { return nil }
        let b = value("bias", w)
        return policy.mode == .float8 && policy.sourceName == "float32" ? b.map(QuantizedNumbers.bfloat16RoundTrip) : b
    }

    /// Keras' quantized product for `rows` rows of `x` (rows, in) → (rows, out), bias included.
    public func forward(_ x: [Float], rows: Int, _ w: [WeightVariable]) throws -> [Float] {
        var y = [Float](repeating: 0, count: rows * outDim)
        func product(_ a: [Float], _ b: [Float]) {
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in y.withUnsafeMutableBufferPointer { yp in
                // (rows, In) × (In, Out) → (rows, Out)
                sgemm(m: rows, n: outDim, k: inDim, a: ap.baseAddress!, lda: inDim, b: bp.baseAddress!, ldb: outDim,
                      c: yp.baseAddress!, ldc: outDim)
            } } }
        }
        switch policy.mode {
        case .int8, .int4 where policy.blockSize == nil:
            let scale = value("kernel_scale", w)
            if let quantizer = policy.inputQuantizer {
                var xq = x
                let inScale = quantizer.quantize(&xq, rows: rows, width: inDim)
                product(xq, integerKernel(w))
                for r in 0..<rows { for j in 0..<outDim { y[r * outDim + j] /= scale[j] * inScale[r] } }
            } else {
                product(x, integerKernel(w))
                for r in 0..<rows { for j in 0..<outDim { y[r * outDim + j] /= scale[j] } }
            }
        case .int4, .float8:
            var xs = x
            if policy.mode == .float8 {
                let s = value("inputs_scale", w)[0]
                xs = x.map { QuantizedNumbers.Float8Format.e4m3fn.quantizeDequantize($0, scale: s) }
            }
            product(xs, try dequantizedKernel(w).data)
        case .gptq, .awq:
            throw LayerError(layer, "\(policy.mode.rawValue) is not read")
        }
        if let b = bias(w) { for r in 0..<rows { for j in 0..<outDim { y[r * outDim + j] += b[j] } } }
        return y
    }

    /// Keras' custom input gradient: (rows, out) upstream → (rows, in).
    public func inputGradient(_ dz: [Float], rows: Int, _ w: [WeightVariable]) throws -> [Float] {
        var g = dz
        if policy.mode == .float8 {
            let s = value("outputs_grad_scale", w)[0]
            g = dz.map { QuantizedNumbers.Float8Format.e5m2.quantizeDequantize($0, scale: s) }
        }
        let k = try dequantizedKernel(w).data
        var dx = [Float](repeating: 0, count: rows * inDim)
        g.withUnsafeBufferPointer { gp in k.withUnsafeBufferPointer { kp in dx.withUnsafeMutableBufferPointer { xp in
            // (rows, Out) × (In, Out)ᵀ → (rows, In)
            sgemm(transB: true, m: rows, n: inDim, k: outDim, a: gp.baseAddress!, lda: outDim, b: kp.baseAddress!, ldb: outDim,
                  c: xp.baseAddress!, ldc: inDim)
        } } }
        return dx
    }

    /// Why weight gradients are refused.
    public var trainingRefusal: LayerError { Self.trainingRefusal(policy, layer: layer) }

    public static func trainingRefusal(_ policy: QuantizationPolicy, layer: String) -> LayerError {
        LayerError(layer, policy.mode == .float8
            ? "float8 layers train by overwriting their scales and amax histories with gradients, which ConvScope does not do: train the float model, or run with --dequantize"
            : "\(policy.mode.rawValue) kernels are not trainable in Keras (stored trainable=False): train the float model, or run with --dequantize")
    }
}
