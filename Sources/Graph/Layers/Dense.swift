import Tensor

/// Keras `Dense`: y = activation(x · kernel + bias) over the last axis; on rank > 2 inputs
/// it applies to every position, as Keras does.
public final class Dense: Layer {
    public static let kerasClassNames = ["Dense"]
    public static let kerasConfigKeys: Set<String> = [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer",
        "kernel_constraint", "kernel_initializer", "kernel_regularizer", "quantization_config", "units", "use_bias",
        "lora_rank", "lora_alpha",
    ]
    public static let role = LayerRole.dense
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let units: Int
    let useBias: Bool
    let activation: Activation

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        units = c.has("units") ? try c.int("units") : try c.int("output_dim")   // Keras 1 spelling
        useBias = try c.bool("use_bias", default: try c.bool("bias", default: true))
        activation = try Activation(config: config["activation"], layer: name)
        guard units > 0 else { throw LayerError(name, "units must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let last = inputShapes[0].last, last > 0 else {
            throw LayerError(name, "expects one input with a known last dimension, got \(inputShapes)")
        }
        weights = [try WeightVariable(name: "kernel", shape: [last, units])]
        if useBias { weights.append(try WeightVariable(name: "bias", shape: [units])) }
        return Array(inputShapes[0].dropLast()) + [units]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                       // (…, In)
        let inDim = weights[0].value.shape[0]
        guard x.shape.last == inDim else { throw LayerError(name, "input \(x.shape) does not end in \(inDim)") }
        let rows = x.count / inDim
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
        let inDim = weights[0].value.shape[0]
        let rows = x.count / inDim
        let preact = activation == .linear ? tape.output : tape.saved[0]
        let dz = activation.backward(upstream, input: preact, output: tape.output, rule: rule)  // (rows, Units)
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

/// Keras 1: `output_dim`.
extension Dense: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [("output_dim", "units")] }
}
