import Tensor

/// Keras `Embedding`: y[…, :] = embeddings[x[…], :], one row of the (input_dim, output_dim) matrix per
/// index. Indices arrive as float32 (ConvScope's tensors); each must be integral and in
/// 0..<input_dim, else a `LayerError` names the layer, the position and the value.
///
/// Backward: the embedding matrix's gradient adds each upstream row into the row its index chose.
/// Indices are not differentiable: the input gradient is reported as zeros of the input's shape
/// (a saliency wants the gradient with respect to the embedded sequence, this layer's output).
///
/// With `mask_zero` the output carries a mask (`Mask.swift`) of the input's shape: 0 where the index is
/// 0 (padding), 1 elsewhere; RNNs then skip the padded steps as Keras does.
///
/// Quantized by Keras 3 (`int8`, `int4` per row or in sub-channel groups along the output axis), the
/// table is stored as `QuantizedTable` describes and each looked-up row dequantized as Keras does.
public final class Embedding: QuantizedLayer, MaskAware {
    public static let kerasClassNames = ["Embedding"]
    public static let kerasConfigKeys: Set<String> = [
        "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
        "embeddings_constraint", "mask_zero", "input_length", "lora_rank", "lora_alpha", "quantization_config",
    ]
    public static func keras3VariableNames(config: JSON) -> [String] {
        guard let q = try? QuantizationPolicy.read(config, layer: "") else { return ["embeddings"] }
        return QuantizedTable.names(policy: q)
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let inputDim: Int
    let outputDim: Int
    /// Whether index 0 means "padding" (Keras masks those positions downstream).
    public let maskZero: Bool
    public private(set) var quantization: QuantizationPolicy?
    var quantized: QuantizedTable?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        inputDim = try c.int("input_dim")
        outputDim = try c.int("output_dim")
        maskZero = try c.bool("mask_zero", default: false)
        guard inputDim > 0, outputDim > 0 else {
            throw LayerError(name, "input_dim (\(inputDim)) and output_dim (\(outputDim)) must be positive")
        }
        quantization = try QuantizationPolicy.read(config, layer: name)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        if let q = quantization {
            let t = try QuantizedTable(policy: q, rows: inputDim, columns: outputDim, layer: name)
            quantized = t
            weights = try t.variables()
        } else {
            weights = [try WeightVariable(name: "embeddings", shape: [inputDim, outputDim])]
        }
        return inputShapes[0] + [outputDim]                                    // (…) → (…, outputDim)
    }

    /// The row index of every input element, checked.
    func indices(_ x: Tensor) throws -> [Int] {
        try x.data.enumerated().map { i, v in
            guard v == v.rounded(), v >= 0, v < Float(inputDim) else {
                throw LayerError(name, "input at \(position(i, in: x.shape)) is \(v): indices must be integers in 0..<\(inputDim)")
            }
            return Int(v)
        }
    }

    func position(_ flat: Int, in shape: [Int]) -> [Int] {
        var rest = flat
        return shape.reversed().map { d -> Int in defer { rest /= max(d, 1) }; return rest % max(d, 1) }.reversed()
    }

    /// (N, …) indices → (N, …) mask: index 0 is masked when `mask_zero` is set.
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        maskZero ? Masks.differing(inputs[0].reshaped(inputs[0].shape + [1]), from: 0) : nil
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                      // (N, …) indices
        let rows = try indices(x)
        let table = try quantized?.dequantized(weights).data ?? weights[0].value.data
        var y = Tensor(zeros: x.shape + [outputDim])                           // (N, …, outputDim)
        for (i, r) in rows.enumerated() {
            y.data.replaceSubrange(i * outputDim..<(i + 1) * outputDim, with: table[r * outputDim..<(r + 1) * outputDim])
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let dx = Tensor(zeros: x.shape)                                        // indices: no gradient
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        if let quantized { throw quantized.trainingRefusal }
        var de = Tensor(zeros: [inputDim, outputDim])                          // (input_dim, output_dim)
        for (i, r) in try indices(x).enumerated() {
            for k in 0..<outputDim { de.data[r * outputDim + k] += upstream.data[i * outputDim + k] }
        }
        return LayerGradients(inputs: [dx], weights: [de])
    }
}

extension Embedding {
    public var storedDTypes: [String] { quantized?.dtypes ?? ["float32"] }

    public func dequantizedWeights() throws -> [WeightVariable] {
        guard let quantized else { return weights }
        var e = try WeightVariable(name: "embeddings", shape: [0])
        e.value = try quantized.dequantized(weights)
        return [e]
    }

    public func dequantize() throws {
        guard quantized != nil else { return }
        weights = try dequantizedWeights()
        quantized = nil
        quantization = nil
        adoptFloatConfig()
    }
}
