import Tensor

/// The quantized kernel of an EinsumDense, in Keras' stored order, and Keras' quantized forward.
///
/// Kernel axes whose letter is not in the output are "reduced" (Keras' `_analyze_quantization_info`).
/// - int8: kernel int8 in the kernel's shape, bias, kernel_scale: one scale per non-reduced kernel index,
///   laid out to broadcast against the output (the kernel shape with reduced axes 1, transposed to
///   output order, expanded or squeezed as Keras' `_get_kernel_scale_shape` does); W = q / scale.
///   Inputs are quantized on the fly over their reduced axes (AbsMaxQuantizer); y = einsum(xq, W) / input scale.
/// - int4: the kernel reshaped (no transpose) to (rows = product of reduced sizes, columns = the rest),
///   then stored as `QuantizedMatrix` stores a Dense kernel of that shape (packed, per column or in
///   groups of rows); W is that matrix dequantized and reshaped back.
/// - float8: as Dense: inputs and kernel through float8_e4m3fn with their scales, bias through bfloat16.
struct QuantizedEinsum {
    let policy: QuantizationPolicy
    let plan: EinsumPlan
    let kernelShape: [Int]
    let useBias: Bool
    let layer: String
    /// int4 (and the float8 layout): the kernel as a (rows, columns) matrix.
    let matrix: QuantizedMatrix
    let slots: [(name: String, shape: [Int], dtype: String)]

    init(policy: QuantizationPolicy, plan: EinsumPlan, biasShape: [Int]?, layer: String) throws {
        self.policy = policy
        self.plan = plan
        self.layer = layer
        let shape = plan.spec.kernelShape
        kernelShape = shape
        useBias = biasShape != nil
        let rows = Self.reducedAxes(plan).reduce(1) { $0 * shape[$1] }
        let columns = shape.reduce(1, *) / max(rows, 1)
        let m = try QuantizedMatrix(policy: policy, inDim: rows, outDim: columns, useBias: false, layer: layer)
        matrix = m
        var s = m.slots
        if policy.mode == .int8 {
            s = [("kernel", shape, "int8"), ("kernel_scale", Self.int8ScaleShape(plan), "float32")]
        } else if policy.mode == .float8 {
            s[0].shape = shape
        }
        if let biasShape { s.insert(("bias", biasShape, "float32"), at: 1) }
        slots = s
    }

    static func reducedAxes(_ plan: EinsumPlan) -> [Int] {
        plan.spec.kernelSpec.indices.filter { !plan.spec.outputSpec.contains(plan.spec.kernelSpec[$0]) }
    }

    /// Keras' per-channel `_get_kernel_scale_shape` for the weight side of `_analyze_quantization_info`.
    static func int8ScaleShape(_ plan: EinsumPlan) -> [Int] {
        let (w, o) = (plan.spec.kernelSpec, plan.spec.outputSpec)
        let reduced = reducedAxes(plan)
        var expand = o.indices.filter { !w.contains(o[$0]) }
        var transpose = o.compactMap { w.firstIndex(of: $0) }
        var squeeze: [Int] = []
        var index = 0
        for r in reduced {
            if expand.isEmpty { squeeze.append(r) } else { index = expand.removeFirst() }
            transpose.insert(r, at: min(index, transpose.count))
        }
        var shape = plan.spec.kernelShape
        for r in reduced { shape[r] = 1 }
        var scale = transpose.map { shape[$0] }
        for a in expand.sorted() { scale.insert(1, at: min(a, scale.count)) }
        for a in squeeze.sorted(by: >) where a < scale.count { scale.remove(at: a) }
        return scale
    }

    static func names(policy: QuantizationPolicy, hasBias: Bool) -> [String] {
        var n: [String]
        switch policy.mode {
        case .int8: n = ["kernel", "kernel_scale"]
        default: n = QuantizedMatrix.names(policy: policy, useBias: false)
        }
        if hasBias && !n.isEmpty { n.insert("bias", at: 1) }
        return n
    }

    var dtypes: [String] { slots.map(\.dtype) }

    func value(_ name: String, _ w: [WeightVariable]) -> [Float] { w[slots.firstIndex { $0.name == name }!].value.data }

    /// The weights `matrix` reads (its own slot order, bias removed).
    func matrixWeights(_ w: [WeightVariable]) -> [WeightVariable] {
        var m = w
        if useBias { m.remove(at: 1) }
        return m
    }

    /// The float kernel (kernel shape) Keras' forward stands for.
    func dequantizedKernel(_ w: [WeightVariable]) throws -> Tensor {
        switch policy.mode {
        case .int8:
            let q = value("kernel", w), scale = value("kernel_scale", w)
            let map = try scaleIndex()
            return Tensor(shape: kernelShape, data: q.indices.map { q[$0] / scale[map($0)] })
        default:
            var m = matrixWeights(w)
            if policy.mode == .float8 { m[0].value = m[0].value.reshaped([matrix.inDim, matrix.outDim]) }
            return try matrix.dequantizedKernel(m).reshaped(kernelShape)
        }
    }

    /// For a flat kernel index, the flat index of its int8 scale: the stored scale broadcasts against the
    /// output (aligned right); each of its axes of size > 1 is an output letter the kernel carries.
    func scaleIndex() throws -> (Int) -> Int {
        let scaleShape = slots.first { $0.name == "kernel_scale" }!.shape
        let (w, o) = (plan.spec.kernelSpec, plan.spec.outputSpec)
        var strides = [Int](repeating: 0, count: w.count)          // per kernel axis: its stride in the scale
        var s = 1
        for a in stride(from: scaleShape.count - 1, through: 0, by: -1) {
            let oAxis = o.count - scaleShape.count + a
            if scaleShape[a] != 1 {
                guard oAxis >= 0, let k = w.firstIndex(of: o[oAxis]), kernelShape[k] == scaleShape[a] else {
                    throw LayerError(layer, "variable kernel_scale of shape \(scaleShape) does not line up with equation \(String(w)) → \(String(o))")
                }
                strides[k] = s
            }
            s *= scaleShape[a]
        }
        return stridedIndex(dims: kernelShape, strides: strides)
    }

    /// The bias as Keras adds it (float8 under float32: through bfloat16).
    func bias(_ w: [WeightVariable]) -> Tensor? {
        guard useBias else { return nil }
        let b = w[1].value
        return policy.mode == .float8 && policy.sourceName == "float32" ? b.map(QuantizedNumbers.bfloat16RoundTrip) : b
    }

    /// Keras' quantized einsum, bias included, in the output's shape.
    func forward(_ x: Tensor, _ w: [WeightVariable]) throws -> Tensor {
        let kernel = try dequantizedKernel(w)
        var y: Tensor
        if policy.mode == .float8 {
            let s = value("inputs_scale", w)[0]
            y = try plan.product(x.map { QuantizedNumbers.Float8Format.e4m3fn.quantizeDequantize($0, scale: s) }, kernel, layer: layer)
        } else if let quantizer = policy.inputQuantizer, policy.blockSize == nil {
            // Per (shared, free) row over the reduced axes, as Keras' quantization_axis.
            let (xp, rows, width, back) = plan.rowsOverReducedAxes(x)
            var q = xp
            let scales = quantizer.quantize(&q, rows: rows, width: width)
            y = try plan.product(back(q), kernel, layer: layer)
            let perRow = plan.outputRowIndex(x: x, kernel: kernel)
            for i in 0..<y.count { y.data[i] /= scales[perRow(i)] }
        } else {
            y = try plan.product(x, kernel, layer: layer)
        }
        if let b = bias(w) { EinsumPlan.addTrailing(b, to: &y) }
        return y
    }

    /// Keras' custom input gradient (float8: the upstream through float8_e5m2 first).
    func inputGradient(_ dz: Tensor, x: Tensor, _ w: [WeightVariable]) throws -> Tensor {
        var g = dz
        if policy.mode == .float8 {
            let s = value("outputs_grad_scale", w)[0]
            g = dz.map { QuantizedNumbers.Float8Format.e5m2.quantizeDequantize($0, scale: s) }
        }
        return plan.productBackward(g, x: x, kernel: try dequantizedKernel(w), kernelGradient: false).0
    }
}
