import Tensor

/// Keras `SeparableConv1D` / `SeparableConv2D`: a depthwise convolution (kernel (kw, in, dm) /
/// (kh, kw, in, dm), no bias) followed by a pointwise convolution (kernel (1, in·dm, out) / (1, 1, in·dm, out))
/// with bias and activation. 1-D layers run as 2-D ones over images of height 1 (`SpatialRank`).
public final class SeparableConvolution<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["SeparableConv", "SeparableConvolution"]) }
    public static var kerasConfigKeys: Set<String> {
        ConvolutionWindow.kerasConfigKeys.union(ConvolutionWindow.depthwiseConfigKeys)
            .union(["pointwise_constraint", "pointwise_initializer", "pointwise_regularizer"])
    }
    public static var role: LayerRole { .convolution(ConvolutionFilters(kernel: "pointwise_kernel", axis: .last)) }

    public static func keras3VariableNames(config: JSON) -> [String] { ["depthwise_kernel", "pointwise_kernel", "bias"] }

    /// tf-keras writes `groups` and `kernel_*` arguments, which Keras 3 rejects.
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        var c = config
        for k in ["groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"] { c[k] = nil }
        return c
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    let depthMultiplier: Int
    let window: ConvolutionWindow
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        depthMultiplier = try c.int("depth_multiplier", default: 1)
        window = try ConvolutionWindow(c, rank: Rank.self)
        guard filters > 0, depthMultiplier > 0 else { throw LayerError(name, "filters and depth_multiplier must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        geometry = g
        weights = [try WeightVariable(name: "depthwise_kernel", shape: window.kernelWindow + [g.channels, depthMultiplier]),
                   try WeightVariable(name: "pointwise_kernel",
                                      shape: [Int](repeating: 1, count: Rank.rank) + [g.channels * depthMultiplier, filters])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return Rank.sampleShape(planar: [g.outH, g.outW, filters])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                            // (N, H, W, C) or (N, W, C)
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let mid = g.channels * depthMultiplier
        let d = Depthwise.forward(g, x: x, kernel: weights[0].value, dm: depthMultiplier)   // (N, outH, outW, C·dm)
        let rows = d.count / mid
        var y = Tensor(zeros: [x.batch] + Rank.sampleShape(planar: [g.outH, g.outW, filters]))   // (N, outH, outW, F) or (N, outW, F)
        d.data.withUnsafeBufferPointer { dp in
            weights[1].value.data.withUnsafeBufferPointer { pp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    // (rows, C·dm) × (C·dm, F) → (rows, F)
                    sgemm(m: rows, n: filters, k: mid, a: dp.baseAddress!, lda: mid,
                          b: pp.baseAddress!, ldb: filters, c: yp.baseAddress!, ldc: filters)
                }
            }
        }
        if window.useBias { addBiasLastAxis(&y, weights[2].value) }
        tape?.saved = [d]                                                            // depthwise output
        window.activation.apply(&y, recordingOn: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let mid = g.channels * depthMultiplier
        let d = tape.saved[0]
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)                // (N, outH, outW, F)
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
        let dk = Depthwise.backwardKernel(g, x: x, dy: dd, dm: depthMultiplier).reshaped(weights[0].value.shape)
        var dp = Tensor(zeros: weights[1].value.shape)                                       // (1, 1, C·dm, F) or (1, C·dm, F)
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
        if window.useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension SeparableConvolution: ChannelsFirstCapable {}
