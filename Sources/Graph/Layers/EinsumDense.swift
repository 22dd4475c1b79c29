import Tensor

/// Keras `EinsumDense` (Keras 3 `keras.layers.EinsumDense`, tf-keras `EinsumDense` /
/// `keras.layers.experimental.EinsumDense`): y = activation(einsum(equation, x, kernel) + bias).
///
/// Equations take Keras' three forms, `ab,bc->ac`, `...b,bc->...c` and `ab...,bc->ac...` (the first
/// letter of a non-elided input spec is the batch axis). Shapes follow Keras' `_analyze_einsum_string`:
/// a kernel axis takes its size from the output when its letter is there (`output_shape`), else from
/// the input; the bias spans the output spec from its first `bias_axes` letter on, size 1 where the
/// letter is not in `bias_axes`. Letters are grouped as shared (input, kernel, output), free (input and
/// output), contracted (input and kernel), kernel-free (kernel and output) and summed (input only); the
/// product runs as one sgemm per shared index over the permuted operands. Quantized by Keras 3, the
/// kernel is stored and run as `QuantizedEinsum` describes.
public final class EinsumDense: QuantizedLayer {
    public static let kerasClassNames = ["EinsumDense"]
    public static let kerasConfigKeys: Set<String> = [
        "equation", "output_shape", "activation", "bias_axes", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
        "lora_rank", "lora_alpha", "gptq_unpacked_column_size", "quantization_config",
    ]
    public static let role = LayerRole.dense
    public static func keras3VariableNames(config: JSON) -> [String] {
        let hasBias = !(config["bias_axes"].map { $0.isNull } ?? true)
        guard let q = try? QuantizationPolicy.read(config, layer: "") else { return hasBias ? ["kernel", "bias"] : ["kernel"] }
        return QuantizedEinsum.names(policy: q, hasBias: hasBias)
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let equation: String
    let partialOutputShape: [Int?]
    let biasAxes: String?
    let activation: Activation
    /// The product's letters, set by `build` (ellipsis replaced by fresh letters).
    var plan: EinsumPlan?
    public private(set) var quantization: QuantizationPolicy?
    var quantized: QuantizedEinsum?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        equation = try c.string("equation")
        switch config["output_shape"] {
        case let v? where v.intValue != nil: partialOutputShape = [v.intValue!]
        case let v? where v.arrayValue != nil:
            partialOutputShape = try v.arrayValue!.map { d in
                if d.isNull { return nil }
                guard let i = d.intValue, i > 0 else { throw LayerError(name, "output_shape entries must be positive integers or null") }
                return i
            }
        default: throw LayerError(name, "config has no 'output_shape'")
        }
        biasAxes = c.has("bias_axes") ? try c.string("bias_axes") : nil
        activation = try Activation(config: config["activation"], layer: name)
        quantization = try QuantizationPolicy.read(config, layer: name)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input, got \(inputShapes.count)") }
        let analysis = try EinsumAnalysis(equation: equation, biasAxes: biasAxes, inputShape: [nil] + inputShapes[0].map { $0 < 0 ? nil : $0 },
                                          partialOutputShape: partialOutputShape, layer: name)
        let plan = try EinsumPlan(analysis: analysis, layer: name)
        self.plan = plan
        if let q = quantization {
            let k = try QuantizedEinsum(policy: q, plan: plan, biasShape: analysis.biasShape, layer: name)
            quantized = k
            weights = try k.slots.map { try WeightVariable(name: $0.name, shape: $0.shape, trainable: false) }
            return analysis.outputShape.dropFirst().map { $0 ?? -1 }
        }
        weights = [try WeightVariable(name: "kernel", shape: analysis.kernelShape)]
        if let b = analysis.biasShape { weights.append(try WeightVariable(name: "bias", shape: b)) }
        return analysis.outputShape.dropFirst().map { $0 ?? -1 }
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard let plan else { throw LayerError(name, "used before build") }
        var y: Tensor
        if let quantized {                                                             // Keras' quantized einsum, bias included
            y = try quantized.forward(inputs[0], weights)
        } else {
            y = try plan.product(inputs[0], weights[0].value, layer: name)             // output spec order
            if weights.count > 1 { EinsumPlan.addTrailing(weights[1].value, to: &y) }
        }
        if let tape, activation != .linear { tape.saved = [y] }
        activation.apply(&y)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        guard let plan else { throw LayerError(name, "used before build") }
        let preact = activation == .linear ? tape.output : tape.saved[0]
        let dz = activation.backward(upstream, input: preact, output: tape.output, rule: rule)   // output's shape
        if let quantized {                                                             // Keras' custom gradient: inputs only
            guard !weightGradients else { throw QuantizedMatrix.trainingRefusal(quantized.policy, layer: name) }
            return LayerGradients(inputs: [try quantized.inputGradient(dz, x: tape.inputs[0], weights)])
        }
        let (dx, dk) = plan.productBackward(dz, x: tape.inputs[0], kernel: weights[0].value, kernelGradient: weightGradients)
        guard weightGradients, let dk else { return LayerGradients(inputs: [dx]) }
        var grads = [dk]
        if weights.count > 1 { grads.append(EinsumPlan.sumTrailing(dz, to: weights[1].value.shape)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}

extension EinsumDense {
    public var storedDTypes: [String] { quantized?.dtypes ?? weights.map { _ in "float32" } }

    public func dequantizedWeights() throws -> [WeightVariable] {
        guard let quantized else { return weights }
        return try floatVariables(kernel: quantized.dequantizedKernel(weights), bias: quantized.useBias ? weights[1].value : nil)
    }

    public func dequantize() throws {
        guard let k = quantized else { return }
        try adoptFloatWeights(mode: k.policy.mode)
        quantized = nil
        quantization = nil
    }
}

/// Keras' `_analyze_einsum_string` and `_analyze_split_string`: the kernel, bias and output shapes of an
/// equation for an input shape (batch first, nil where unknown), and the specs with ellipses expanded.
struct EinsumAnalysis {
    var kernelShape: [Int] = []
    var biasShape: [Int]?
    var outputShape: [Int?] = []
    /// Full specs, one letter per axis (ellipsis axes given fresh letters, as Keras' quantization does).
    var inputSpec: [Character] = []
    var kernelSpec: [Character] = []
    var outputSpec: [Character] = []

    init(equation: String, biasAxes: String?, inputShape: [Int?], partialOutputShape: [Int?], layer: String) throws {
        let parts = equation.replacingOccurrences(of: " ", with: "").components(separatedBy: "->")
        let sides = parts.first?.components(separatedBy: ",") ?? []
        guard parts.count == 2, sides.count == 2 else {
            throw LayerError(layer, "equation '\(equation)' is not of the form [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...")
        }
        var (inS, kS, outS) = (sides[0], sides[1], parts[1])
        let isLetters = { (s: Substring) in !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isLetter } }
        var left = false, right = false
        if inS.hasPrefix("..."), outS.hasPrefix("...") {
            left = true; inS.removeFirst(3); outS.removeFirst(3)
        } else if inS.hasSuffix("..."), outS.hasSuffix("..."), inS.count >= 5 {
            right = true; inS.removeLast(3); outS.removeLast(3)
        }
        guard isLetters(Substring(inS)), isLetters(Substring(kS)), isLetters(Substring(outS)) else {
            throw LayerError(layer, "equation '\(equation)' is not of the form [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...")
        }
        let (input, kernel, output) = (Array(inS), Array(kS), Array(outS))
        guard Set(input).count == input.count, Set(kernel).count == kernel.count, Set(output).count == output.count else {
            throw LayerError(layer, "equation '\(equation)' repeats a letter within one operand")
        }
        let elided = inputShape.count - input.count
        guard elided >= 0, (left || right) || elided == 0 else {
            throw LayerError(layer, "equation '\(equation)' names \(input.count) input axes but the input has \(inputShape.count) (batch included)")
        }
        // The full output shape, as Keras builds it from output_shape.
        var out = partialOutputShape
        out.insert(inputShape[0], at: 0)
        if elided > 0 && left { for i in 1..<max(elided, 1) { out.insert(inputShape[i], at: i) } }   // einsum's order
        if elided > 0 && right { for i in (inputShape.count - elided)..<inputShape.count { out.append(inputShape[i]) } }
        let inIndex: [Character: Int] = Dictionary(uniqueKeysWithValues: input.enumerated().map { ($1, left ? $0 + elided : $0) })
        let outIndex: [Character: Int] = Dictionary(uniqueKeysWithValues: output.enumerated().map { ($1, left ? $0 + elided : $0) })
        guard out.count == output.count + elided else {
            throw LayerError(layer, "output_shape \(partialOutputShape.map { $0.map(String.init) ?? "None" }) does not fit equation '\(equation)'")
        }
        for ch in input {
            if let o = outIndex[ch], let os = out[o], let ins = inputShape[inIndex[ch]!], os != ins {
                throw LayerError(layer, "input and output shapes differ at shared dimension '\(ch)': \(ins) and \(os)")
            }
        }
        for ch in output where inIndex[ch] == nil && !kernel.contains(ch) {
            throw LayerError(layer, "output letter '\(ch)' of '\(equation)' is in neither the input nor the kernel")
        }
        for ch in kernel {
            let size: Int?
            if let o = outIndex[ch] { size = out[o] ?? inIndex[ch].flatMap { inputShape[$0] } }
            else if let i = inIndex[ch] { size = inputShape[i] }
            else { throw LayerError(layer, "kernel letter '\(ch)' of '\(equation)' is in neither the input nor the output") }
            guard let size, size > 0 else { throw LayerError(layer, "kernel axis '\(ch)' of '\(equation)' has no known size") }
            kernelShape.append(size)
        }
        // Output sizes Keras leaves None are the input's (shared letters).
        for (ch, o) in outIndex where out[o] == nil { out[o] = inIndex[ch].flatMap { inputShape[$0] } }
        outputShape = out
        if let biasAxes {
            for ch in biasAxes where !output.contains(ch) {
                throw LayerError(layer, "bias axis '\(ch)' is not in the output spec '\(String(output))'")
            }
            guard let first = biasAxes.compactMap({ output.firstIndex(of: $0) }).min() else {
                throw LayerError(layer, "bias_axes is empty")
            }
            var b: [Int] = []
            for ch in output[first...] {
                guard biasAxes.contains(ch) else { b.append(1); continue }
                guard let s = out[outIndex[ch]!] else { throw LayerError(layer, "bias axis '\(ch)' has no known size") }
                b.append(s)
            }
            if right { b += Array(repeating: 1, count: elided) }
            biasShape = b
        }
        // Fresh letters for the elided axes (Keras' `_analyze_quantization_info.get_specs`).
        let used = Set(input + kernel + output)
        let fresh = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".filter { !used.contains($0) }.sorted())
        guard elided <= fresh.count else { throw LayerError(layer, "too many elided axes") }
        var (i2, o2) = (input, output)
        for k in 0..<elided {
            if left { i2.insert(fresh[k], at: k); o2.insert(fresh[k], at: k) } else { i2.append(fresh[k]); o2.append(fresh[k]) }
        }
        inputSpec = i2
        kernelSpec = kernel
        outputSpec = o2
    }
}

/// How one einsum of Keras' EinsumDense runs: operands permuted to (shared, free, contracted[, summed]) and
/// (shared, contracted, kernel-free), one sgemm per shared index, the result permuted to the output order.
struct EinsumPlan {
    let spec: EinsumAnalysis
    let shared: [Character], free: [Character], contracted: [Character], kernelFree: [Character], summed: [Character]

    init(analysis: EinsumAnalysis, layer: String) throws {
        spec = analysis
        let (i, k, o) = (analysis.inputSpec, analysis.kernelSpec, analysis.outputSpec)
        shared = i.filter { k.contains($0) && o.contains($0) }
        free = i.filter { !k.contains($0) && o.contains($0) }
        contracted = i.filter { k.contains($0) && !o.contains($0) }
        summed = i.filter { !k.contains($0) && !o.contains($0) }
        kernelFree = k.filter { !i.contains($0) && o.contains($0) }
    }

    private func sizes(_ x: Tensor, _ kernel: Tensor) -> [Character: Int] {
        var d: [Character: Int] = [:]
        for (c, n) in zip(spec.inputSpec, x.shape) { d[c] = n }
        for (c, n) in zip(spec.kernelSpec, kernel.shape) { d[c] = n }
        return d
    }

    private static func perm(_ from: [Character], _ to: [Character]) -> [Int] { to.map { from.firstIndex(of: $0)! } }
    private static func inverse(_ p: [Int]) -> [Int] {
        var inv = [Int](repeating: 0, count: p.count)
        for (i, v) in p.enumerated() { inv[v] = i }
        return inv
    }
    private static func count(_ cs: [Character], _ d: [Character: Int]) -> Int { cs.reduce(1) { $0 * d[$1]! } }

    /// einsum(equation, x, kernel) in the output spec's axis order.
    func product(_ x: Tensor, _ kernel: Tensor, layer: String) throws -> Tensor {
        guard x.rank == spec.inputSpec.count else {
            throw LayerError(layer, "input of shape \(x.shape) does not have the \(spec.inputSpec.count) axes the equation names")
        }
        let d = sizes(x, kernel)
        for (c, n) in zip(spec.inputSpec, x.shape) where d[c] != n {
            throw LayerError(layer, "input axis '\(c)' has \(n) entries but the kernel has \(d[c]!)")
        }
        let (S, F, C, G, R) = (Self.count(shared, d), Self.count(free, d), Self.count(contracted, d),
                               Self.count(kernelFree, d), Self.count(summed, d))
        let xp = permuteAxes(x, Self.perm(spec.inputSpec, shared + free + contracted + summed))   // (S, F, C, R)
        var xs = xp.data
        if R > 1 {                                                                               // (S, F, C)
            xs = (0..<(S * F * C)).map { i in (0..<R).reduce(Float(0)) { $0 + xp.data[i * R + $1] } }
        }
        let kp = permuteAxes(kernel, Self.perm(spec.kernelSpec, shared + contracted + kernelFree))   // (S, C, G)
        var y = [Float](repeating: 0, count: S * F * G)                                         // (S, F, G)
        xs.withUnsafeBufferPointer { xb in
            kp.data.withUnsafeBufferPointer { kb in
                y.withUnsafeMutableBufferPointer { yb in
                    for s in 0..<S {
                        // (F, C) × (C, G) → (F, G)
                        sgemm(m: F, n: G, k: C, a: xb.baseAddress! + s * F * C, lda: C,
                              b: kb.baseAddress! + s * C * G, ldb: G, c: yb.baseAddress! + s * F * G, ldc: G)
                    }
                }
            }
        }
        let order = shared + free + kernelFree
        let yt = Tensor(shape: order.map { d[$0]! }, data: y)
        return permuteAxes(yt, Self.perm(order, spec.outputSpec))
    }

    /// Gradients of `product` for the upstream `dy` (output order): the input's, and the kernel's when asked.
    func productBackward(_ dy: Tensor, x: Tensor, kernel: Tensor, kernelGradient: Bool) -> (Tensor, Tensor?) {
        let d = sizes(x, kernel)
        let (S, F, C, G, R) = (Self.count(shared, d), Self.count(free, d), Self.count(contracted, d),
                               Self.count(kernelFree, d), Self.count(summed, d))
        let order = shared + free + kernelFree
        let dyp = permuteAxes(dy, Self.perm(spec.outputSpec, order))                             // (S, F, G)
        let kp = permuteAxes(kernel, Self.perm(spec.kernelSpec, shared + contracted + kernelFree))   // (S, C, G)
        var dxs = [Float](repeating: 0, count: S * F * C)                                       // (S, F, C)
        dyp.data.withUnsafeBufferPointer { gb in
            kp.data.withUnsafeBufferPointer { kb in
                dxs.withUnsafeMutableBufferPointer { xb in
                    for s in 0..<S {
                        // (F, G) × (C, G)ᵀ → (F, C)
                        sgemm(transB: true, m: F, n: C, k: G, a: gb.baseAddress! + s * F * G, lda: G,
                              b: kb.baseAddress! + s * C * G, ldb: G, c: xb.baseAddress! + s * F * C, ldc: C)
                    }
                }
            }
        }
        let xOrder = shared + free + contracted + summed
        var dxFull = dxs
        if R > 1 { dxFull = (0..<(S * F * C * R)).map { dxs[$0 / R] } }                        // broadcast over summed axes
        let dx = permuteAxes(Tensor(shape: xOrder.map { d[$0]! }, data: dxFull), Self.inverse(Self.perm(spec.inputSpec, xOrder)))
        guard kernelGradient else { return (dx, nil) }
        let xp = permuteAxes(x, Self.perm(spec.inputSpec, xOrder))
        var xs = xp.data
        if R > 1 { xs = (0..<(S * F * C)).map { i in (0..<R).reduce(Float(0)) { $0 + xp.data[i * R + $1] } } }
        var dk = [Float](repeating: 0, count: S * C * G)                                        // (S, C, G)
        xs.withUnsafeBufferPointer { xb in
            dyp.data.withUnsafeBufferPointer { gb in
                dk.withUnsafeMutableBufferPointer { kb in
                    for s in 0..<S {
                        // (F, C)ᵀ × (F, G) → (C, G)
                        sgemm(transA: true, m: C, n: G, k: F, a: xb.baseAddress! + s * F * C, lda: C,
                              b: gb.baseAddress! + s * F * G, ldb: G, c: kb.baseAddress! + s * C * G, ldc: G)
                    }
                }
            }
        }
        let kOrder = shared + contracted + kernelFree
        let dkt = Tensor(shape: kOrder.map { d[$0]! }, data: dk)
        return (dx, permuteAxes(dkt, Self.inverse(Self.perm(spec.kernelSpec, kOrder))))
    }

    /// Adds `bias` to `y`'s trailing axes, broadcasting where the bias has size 1.
    static func addTrailing(_ bias: Tensor, to y: inout Tensor) {
        let map = trailingIndex(bias.shape, y.shape)
        for i in 0..<y.count { y.data[i] += bias.data[map(i)] }
    }

    /// The sum of `g` over every axis the bias (`shape`, aligned to the trailing axes) broadcasts along.
    static func sumTrailing(_ g: Tensor, to shape: [Int]) -> Tensor {
        var out = Tensor(zeros: shape)
        let map = trailingIndex(shape, g.shape)
        for i in 0..<g.count { out.data[map(i)] += g.data[i] }
        return out
    }

    /// For a flat index of a tensor of shape `big`, the flat index of the element of `small` (aligned to
    /// the trailing axes, size 1 axes broadcast) it meets.
    private static func trailingIndex(_ small: [Int], _ big: [Int]) -> (Int) -> Int {
        let offset = big.count - small.count
        var strides = [Int](repeating: 0, count: big.count)
        var s = 1
        for a in stride(from: small.count - 1, through: 0, by: -1) {
            strides[a + offset] = small[a] == 1 ? 0 : s
            s *= small[a]
        }
        return stridedIndex(dims: big, strides: strides)
    }
}

extension EinsumPlan {
    /// `x` as rows over the input's reduced letters (contracted and summed): one row per (shared, free)
    /// index, and the map back to `x`'s layout, for quantizing inputs as Keras' int8 EinsumDense does.
    func rowsOverReducedAxes(_ x: Tensor) -> ([Float], Int, Int, ([Float]) -> Tensor) {
        let order = shared + free + contracted + summed
        let p = spec.inputSpec.count == order.count ? order.map { spec.inputSpec.firstIndex(of: $0)! } : []
        let xp = permuteAxes(x, p)
        let kept = (shared + free).reduce(1) { $0 * x.shape[spec.inputSpec.firstIndex(of: $1)!] }
        var inverse = [Int](repeating: 0, count: p.count)
        for (i, v) in p.enumerated() { inverse[v] = i }
        let shape = xp.shape
        return (xp.data, kept, kept == 0 ? 0 : x.count / kept, { permuteAxes(Tensor(shape: shape, data: $0), inverse) })
    }

    /// For a flat output index, its (shared, free) row in `rowsOverReducedAxes`.
    func outputRowIndex(x: Tensor, kernel: Tensor) -> (Int) -> Int {
        var size: [Character: Int] = [:]
        for (c, n) in zip(spec.inputSpec, x.shape) { size[c] = n }
        for (c, n) in zip(spec.kernelSpec, kernel.shape) { size[c] = n }
        let rowLetters = shared + free
        var rowStride: [Character: Int] = [:]
        var s = 1
        for c in rowLetters.reversed() { rowStride[c] = s; s *= size[c]! }
        let outDims = spec.outputSpec.map { size[$0]! }
        let strides = spec.outputSpec.map { rowStride[$0] ?? 0 }
        return stridedIndex(dims: outDims, strides: strides)
    }
}
