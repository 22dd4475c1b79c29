import Tensor

/// Keras `Dense`: y = activation(x · kernel + bias) over the last axis; on rank > 2 inputs
/// it applies to every position, as Keras does. Quantized by Keras 3 (`int8`, `int4`, `float8`), it
/// stores and runs its kernel as `QuantizedMatrix` describes.
public final class Dense: QuantizedLayer {
    public static let kerasClassNames = ["Dense"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer",
        "kernel_constraint", "kernel_initializer", "kernel_regularizer", "quantization_config", "units", "use_bias",
        "lora_rank", "lora_alpha",
    ]
    public static let role = LayerRole.dense
    public static func keras3VariableNames(config: JSON) -> [String] {
        let useBias = config["use_bias"]?.boolValue ?? true
        guard let q = try? QuantizationPolicy.read(config, layer: "") else { return useBias ? ["kernel", "bias"] : ["kernel"] }
        return QuantizedMatrix.names(policy: q, useBias: useBias)
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let units: Int
    let useBias: Bool
    let activation: Activation
    public private(set) var quantization: QuantizationPolicy?
    /// The quantized kernel's layout, set by `build` when `quantization` is set.
    var quantized: QuantizedMatrix?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        units = c.has("units") ? try c.int("units") : try c.int("output_dim")   // Keras 1 spelling
        useBias = try c.bool("use_bias", default: try c.bool("bias", default: true))
        activation = try Activation(config: config["activation"], layer: name)
        guard units > 0 else { throw LayerError(name, "units must be positive") }
        quantization = try QuantizationPolicy.read(config, layer: name)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let last = inputShapes[0].last, last > 0 else {
            throw LayerError(name, "expects one input with a known last dimension, got \(inputShapes)")
        }
        if let q = quantization {
            let m = try QuantizedMatrix(policy: q, inDim: last, outDim: units, useBias: useBias, layer: name)
            quantized = m
            weights = try m.variables()
            return Array(inputShapes[0].dropLast()) + [units]
        }
        weights = [try WeightVariable(name: "kernel", shape: [last, units])]
        if useBias { weights.append(try WeightVariable(name: "bias", shape: [units])) }
        return Array(inputShapes[0].dropLast()) + [units]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                       // (…, In)
        let inDim = quantized?.inDim ?? weights[0].value.shape[0]
        guard x.shape.last == inDim else { throw LayerError(name, "input \(x.shape) does not end in \(inDim)") }
        let rows = x.count / inDim
        if let quantized {                                      // Keras' quantized product, bias included
            var y = Tensor(shape: Array(x.shape.dropLast()) + [units], data: try quantized.forward(x.data, rows: rows, weights))
            if let tape, activation != .linear { tape.saved = [y] }
            activation.apply(&y)
            return y
        }
        var y = Tensor(zeros: Array(x.shape.dropLast()) + [units]) // (…, Units)
        x.data.withUnsafeBufferPointer { xp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    // (rows, In) × (In, Units) → (rows, Units)
                    sgemm(m: rows, n: units, k: inDim, a: xp.baseAddress!, lda: inDim,
                          b: kp.baseAddress!, ldb: units, c: yp.baseAddress!, ldc: units)
                }
            }
        }
        if useBias {
            weights[1].value.data.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    for r in 0..<rows { for u in 0..<units { yp[r * units + u] += bp[u] } }
                }
            }
        }
        if let tape, activation != .linear { tape.saved = [y] }
        activation.apply(&y)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let inDim = quantized?.inDim ?? weights[0].value.shape[0]
        let rows = x.count / inDim
        let preact = activation == .linear ? tape.output : tape.saved[0]
        let dz = activation.backward(upstream, input: preact, output: tape.output, rule: rule)  // (rows, Units)
        if let quantized {                                      // Keras' custom gradient: inputs only
            guard !weightGradients else { throw quantized.trainingRefusal }
            return LayerGradients(inputs: [Tensor(shape: x.shape, data: try quantized.inputGradient(dz.data, rows: rows, weights))])
        }
        var dx = Tensor(zeros: x.shape)                                                     // (rows, In)
        dz.data.withUnsafeBufferPointer { dp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                dx.data.withUnsafeMutableBufferPointer { xp in
                    // (rows, Units) × (In, Units)ᵀ → (rows, In)
                    sgemm(transB: true, m: rows, n: inDim, k: units, a: dp.baseAddress!, lda: units,
                          b: kp.baseAddress!, ldb: units, c: xp.baseAddress!, ldc: inDim)
                }
            }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var dk = Tensor(zeros: [inDim, units])
        x.data.withUnsafeBufferPointer { xp in
            dz.data.withUnsafeBufferPointer { dp in
                dk.data.withUnsafeMutableBufferPointer { kp in
                    // (rows, In)ᵀ × (rows, Units) → (In, Units)
                    sgemm(transA: true, m: inDim, n: units, k: rows, a: xp.baseAddress!, lda: inDim,
                          b: dp.baseAddress!, ldb: units, c: kp.baseAddress!, ldc: units)
                }
            }
        }
        var grads = [dk]
        if useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}

extension Dense {
    public var storedDTypes: [String] { quantized?.dtypes ?? weights.map { _ in "float32" } }

    public func dequantizedWeights() throws -> [WeightVariable] {
        guard let quantized else { return weights }
        return try floatVariables(kernel: quantized.dequantizedKernel(weights), bias: useBias ? weights[1].value : nil)
    }

    public func dequantize() throws {
        guard let matrix = quantized else { return }
        try adoptFloatWeights(mode: matrix.policy.mode)
        quantized = nil
        quantization = nil
    }
}

/// Keras 1: `output_dim`.
extension Dense: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [("output_dim", "units")] }
}
