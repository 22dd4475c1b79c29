import Tensor

/// A quantized layer's stored numbers in the form an exporter writes them (ONNX DequantizeLinear): the
/// stored values, how each float weight is recovered from them, and what Keras' quantized forward does
/// to the inputs and the bias. `weight = dequantize(values)` reshaped to `shape`.
public struct QuantizedForm: Sendable {
    /// How a float weight is recovered from a stored value.
    public enum Scale: Sendable {
        /// w = v · multiplier (one number).
        case scalar(Float)
        /// w = v · multiplier[k], k the index along `axis` of `values` (Keras' per-channel int8 / int4: 1 / scale).
        case axis(Int, [Float])
        /// w = v · multiplier, `multiplier` of `values`' rank broadcasting against it (EinsumDense int8).
        case broadcast(Tensor)
        /// w = (v − zero[g]) · scale[g] along `axis` of `values`, g = `index`[k] for the index k along that
        /// axis; `scale` and `zero` have `values`' shape but for `axis`, which counts groups (int4 sub-channel).
        case groups(axis: Int, index: [Int], scale: Tensor, zero: Tensor)
    }

    /// What Keras does to the layer's inputs before the product.
    public enum InputQuantization: Sendable {
        case none
        /// `AbsMaxQuantizer` over `axes` of the input (batch axis 0): q = clip(round(x · s), lo, hi),
        /// s = hi / (max |x| + ε); the product then divides by s.
        case absMax(AbsMaxQuantizer, axes: [Int])
        /// Through float8_e4m3fn with this scale: round(clip(x / s, ±448)) · s.
        case float8(scale: Float)
    }

    public let mode: QuantizationPolicy.Mode
    /// Integers in −128…127 (int4 unpacked to −8…7), or for float8 values on the e4m3fn grid (the kernel
    /// divided by its scale, clipped and rounded as Keras does).
    public let values: Tensor
    public let scale: Scale
    /// The float weight's shape (an EinsumDense's kernel shape, when `values` is its (rows, columns) matrix).
    public let shape: [Int]
    /// The bias as Keras adds it (float8 under float32: through bfloat16).
    public let bias: Tensor?
    public let input: InputQuantization
}

extension QuantizedMatrix {
    /// The (in, out) kernel's stored form: int8 and per-channel int4 per column, int4 in groups of rows, float8 on its grid.
    func storedForm(_ w: [WeightVariable]) throws -> (values: Tensor, scale: QuantizedForm.Scale) {
        let shape = [inDim, outDim]
        switch policy.mode {
        case .int8, .int4:
            let q = Tensor(shape: shape, data: integerKernel(w))
            let scale = value("kernel_scale", w)
            guard policy.blockSize != nil else { return (q, .axis(1, scale.map { 1 / $0 })) }
            let groups = scale.count / outDim
            return (q, .groups(axis: 0, index: try self.groups(w), scale: Tensor(shape: [groups, outDim], data: scale),
                               zero: Tensor(shape: [groups, outDim], data: value("kernel_zero", w))))
        case .float8:
            let s = value("kernel_scale", w)[0]
            return (Tensor(shape: shape, data: value("kernel", w).map { QuantizedNumbers.Float8Format.e4m3fn.grid($0, scale: s) }), .scalar(s))
        case .gptq, .awq:
            throw LayerError(layer, "\(policy.mode.rawValue) is not read")
        }
    }

    /// What Keras does to the inputs (over `axes` for int8's quantizer).
    func inputQuantization(_ w: [WeightVariable], axes: [Int]) -> QuantizedForm.InputQuantization {
        if policy.mode == .float8 { return .float8(scale: value("inputs_scale", w)[0]) }
        if let q = policy.inputQuantizer, policy.blockSize == nil { return .absMax(q, axes: axes) }
        return .none
    }
}

extension QuantizedNumbers.Float8Format {
    /// The stored float8 value Keras' `quantize_and_dequantize` multiplies by `scale`: round(clip(x / scale)).
    public func grid(_ x: Float, scale: Float) -> Float { round(Swift.min(Swift.max(x / scale, -max), max)) }
}

extension Dense {
    /// The quantized kernel as stored, nil for a float Dense.
    public func quantizedForm() throws -> QuantizedForm? {
        guard let quantized else { return nil }
        let (values, scale) = try quantized.storedForm(weights)
        return QuantizedForm(mode: quantized.policy.mode, values: values, scale: scale, shape: values.shape,
                             bias: quantized.bias(weights).map { Tensor(shape: [quantized.outDim], data: $0) },
                             input: quantized.inputQuantization(weights, axes: [-1]))
    }
}

extension Embedding {
    /// The quantized table as stored, nil for a float Embedding.
    public func quantizedForm() throws -> QuantizedForm? {
        guard let t = quantized else { return nil }
        let shape = [t.rows, t.columns]
        let q = Tensor(shape: shape, data: t.policy.mode == .int4 ? QuantizedNumbers.unpackInt4(t.value("embeddings", weights), rows: t.rows, columns: t.columns)
                                                              : t.value("embeddings", weights))
        let scale = t.value("embeddings_scale", weights)
        guard t.policy.mode == .int4, t.policy.blockSize != nil else {
            return QuantizedForm(mode: t.policy.mode, values: q, scale: .axis(0, scale.map { 1 / $0 }), shape: shape, bias: nil, input: .none)
        }
        let groups = scale.count / t.rows
        let index = try t.value("g_idx", weights).enumerated().map { i, v -> Int in
            guard v == v.rounded(), v >= 0, Int(v) < groups else {
                throw LayerError(name, "variable g_idx[\(i)] is \(v): group indices must be integers in 0..<\(groups)")
            }
            return Int(v)
        }
        return QuantizedForm(mode: t.policy.mode, values: q,
                             scale: .groups(axis: 1, index: index, scale: Tensor(shape: [t.rows, groups], data: scale),
                                            zero: Tensor(shape: [t.rows, groups], data: t.value("embeddings_zero", weights))),
                             shape: shape, bias: nil, input: .none)
    }
}

extension EinsumDense {
    /// The equation with every axis named (ellipses expanded), batch letter included: "abc,cd->abd".
    public var fullEquation: String? {
        plan.map { String($0.spec.inputSpec) + "," + String($0.spec.kernelSpec) + "->" + String($0.spec.outputSpec) }
    }

    /// The quantized kernel as stored, nil for a float EinsumDense.
    public func quantizedForm() throws -> QuantizedForm? {
        guard let k = quantized else { return nil }
        let reducedInput = (k.plan.contracted + k.plan.summed).map { k.plan.spec.inputSpec.firstIndex(of: $0)! }.sorted()
        let bias = k.bias(weights)
        let input = k.matrix.inputQuantization(k.matrixWeights(weights), axes: reducedInput)
        guard k.policy.mode == .int8 else {
            var m = k.matrixWeights(weights)
            if k.policy.mode == .float8 { m[0].value = m[0].value.reshaped([k.matrix.inDim, k.matrix.outDim]) }
            let (values, scale) = try k.matrix.storedForm(m)
            return QuantizedForm(mode: k.policy.mode, values: values, scale: scale, shape: k.kernelShape, bias: bias, input: input)
        }
        // int8: one multiplier per non-reduced kernel index, the reduced axes of size 1.
        let map = try k.scaleIndex()
        let scale = k.value("kernel_scale", weights)
        var mShape = k.kernelShape
        for r in QuantizedEinsum.reducedAxes(k.plan) { mShape[r] = 1 }
        var full = [Int](repeating: 0, count: mShape.count), strides = full, s = 1
        for a in stride(from: mShape.count - 1, through: 0, by: -1) { strides[a] = s; s *= k.kernelShape[a] }
        let multiplier = (0..<mShape.reduce(1, *)).map { flat -> Float in
            var rest = flat, index = 0
            for a in stride(from: mShape.count - 1, through: 0, by: -1) { full[a] = rest % mShape[a]; rest /= mShape[a]; index += full[a] * strides[a] }
            return 1 / scale[map(index)]
        }
        return QuantizedForm(mode: .int8, values: Tensor(shape: k.kernelShape, data: k.value("kernel", weights)),
                             scale: .broadcast(Tensor(shape: mShape, data: multiplier)), shape: k.kernelShape, bias: bias, input: input)
    }
}
