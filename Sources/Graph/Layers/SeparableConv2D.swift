import Tensor

/// Keras `SeparableConv2D`: a depthwise convolution (kernel (kh, kw, in, dm), no bias) followed by a
/// pointwise 1×1 convolution (kernel (1, 1, in·dm, out)) with bias and activation.
public final class SeparableConv2D: Layer {
    public static let kerasClassNames = ["SeparableConv2D", "SeparableConvolution2D"]
    public let name: String
    public var className = "SeparableConv2D"
    public let config: JSON
    public var weights: [WeightVariable] = []

    let filters: Int
    let depthMultiplier: Int
    let kernel: [Int]
    let strides: [Int]
    let dilation: [Int]
    let padding: ConvGeometry.Padding
    let useBias: Bool
    let activation: Activation
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        filters = try c.int("filters")
        depthMultiplier = try c.int("depth_multiplier", default: 1)
        (kernel, strides, dilation) = try c.convolutionWindow()
        padding = try c.padding()
        useBias = try c.bool("use_bias", default: true)
        activation = try Activation(config: config["activation"], layer: name)
        guard filters > 0, depthMultiplier > 0 else { throw LayerError(name, "filters and depth_multiplier must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let g = ConvGeometry(inH: s[0], inW: s[1], channels: s[2], kH: kernel[0], kW: kernel[1],
                             strideH: strides[0], strideW: strides[1],
                             dilationH: dilation[0], dilationW: dilation[1], padding: padding)
        guard g.outH > 0, g.outW > 0 else { throw LayerError(name, "input \(s) is smaller than the kernel \(kernel)") }
        geometry = g
        weights = [try WeightVariable(name: "depthwise_kernel", shape: [kernel[0], kernel[1], s[2], depthMultiplier]),
                   try WeightVariable(name: "pointwise_kernel", shape: [1, 1, s[2] * depthMultiplier, filters])]
        if useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return [g.outH, g.outW, filters]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                            // (N, H, W, C)
        let g = try Depthwise.check(geometry, x, name)
        let mid = g.channels * depthMultiplier
        let d = Depthwise.forward(g, x: x, kernel: weights[0].value, dm: depthMultiplier)   // (N, outH, outW, C·dm)
        let rows = d.count / mid
        var y = Tensor(zeros: [x.batch, g.outH, g.outW, filters])                    // (N, outH, outW, F)
        d.data.withUnsafeBufferPointer { dp in
            weights[1].value.data.withUnsafeBufferPointer { pp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    // (rows, C·dm) × (C·dm, F) → (rows, F)
                    sgemm(m: rows, n: filters, k: mid, a: dp.baseAddress!, lda: mid,
                          b: pp.baseAddress!, ldb: filters, c: yp.baseAddress!, ldc: filters)
                }
            }
        }
        if useBias { addBiasLastAxis(&y, weights[2].value) }
        if let tape { tape.saved = activation == .linear ? [d] : [d, y] }           // depthwise output, pre-activation
        activation.apply(&y)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let g = try Depthwise.check(geometry, x, name)
        let mid = g.channels * depthMultiplier
        let d = tape.saved[0]
        let preact = activation == .linear ? tape.output : tape.saved[1]
        let dz = activation.backward(upstream, input: preact, output: tape.output, rule: rule)   // (N, outH, outW, F)
        let rows = dz.count / filters
        var dd = Tensor(zeros: d.shape)                                                      // (N, outH, outW, C·dm)
        dz.data.withUnsafeBufferPointer { zp in
            weights[1].value.data.withUnsafeBufferPointer { pp in
                dd.data.withUnsafeMutableBufferPointer { dp in
                    // (rows, F) × (C·dm, F)ᵀ → (rows, C·dm)
                    sgemm(transB: true, m: rows, n: mid, k: filters, a: zp.baseAddress!, lda: filters,
                          b: pp.baseAddress!, ldb: filters, c: dp.baseAddress!, ldc: mid)
                }
            }
        }
        let dx = Depthwise.backwardInput(g, dy: dd, kernel: weights[0].value, dm: depthMultiplier, inputShape: x.shape)
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        let dk = Depthwise.backwardKernel(g, x: x, dy: dd, dm: depthMultiplier)
        var dp = Tensor(zeros: [1, 1, mid, filters])
        d.data.withUnsafeBufferPointer { ap in
            dz.data.withUnsafeBufferPointer { zp in
                dp.data.withUnsafeMutableBufferPointer { pp in
                    // (rows, C·dm)ᵀ × (rows, F) → (C·dm, F)
                    sgemm(transA: true, m: mid, n: filters, k: rows, a: ap.baseAddress!, lda: mid,
                          b: zp.baseAddress!, ldb: filters, c: pp.baseAddress!, ldc: filters)
                }
            }
        }
        var grads = [dk, dp]
        if useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}
