import Tensor

/// Keras `DepthwiseConv1D` / `DepthwiseConv2D`: each input channel c is convolved with its own
/// `depth_multiplier` filters (kernel (kw, in, dm) / (kh, kw, in, dm)); output channel c·dm + m. A direct
/// loop over (oy, ox, ky, kx, c), parallelised over output rows; backward gathers per input row (no write
/// conflicts). 1-D layers run as 2-D ones over images of height 1 (`SpatialRank`).
public final class DepthwiseConvolution<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["DepthwiseConv"]) }
    public static var kerasConfigKeys: Set<String> {
        ConvolutionWindow.kerasConfigKeys.subtracting(["filters", "kernel_constraint", "kernel_initializer", "kernel_regularizer"])
            .union(ConvolutionWindow.depthwiseConfigKeys)
    }
    public static var role: LayerRole { .convolution(ConvolutionFilters(kernel: nil, axis: .lastTwo)) }

    /// Keras 3 calls the kernel `kernel`, tf-keras `depthwise_kernel`.
    public static func kerasVariableName(_ name: String, naming: KerasVariableNaming) -> String {
        switch (naming, name) {
        case (.keras3, "depthwise_kernel"): return "kernel"
        case (.legacy, "kernel"): return "depthwise_kernel"
        default: return name
        }
    }

    /// tf-keras writes `groups`, which Keras 3 rejects.
    public static func keras3Config(fromLegacy config: JSONObject) -> JSONObject {
        var c = config
        c["groups"] = nil
        return c
    }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let depthMultiplier: Int
    let window: ConvolutionWindow
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        depthMultiplier = try c.int("depth_multiplier", default: 1)
        window = try ConvolutionWindow(c, rank: Rank.self)
        guard depthMultiplier > 0 else { throw LayerError(name, "depth_multiplier must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        geometry = g
        weights = [try WeightVariable(name: "kernel", shape: window.kernelWindow + [g.channels, depthMultiplier])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [g.channels * depthMultiplier])) }
        return Rank.sampleShape(planar: [g.outH, g.outW, g.channels * depthMultiplier])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                            // (N, H, W, C) or (N, W, C)
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        var y = Rank.unplanar(Depthwise.forward(g, x: x, kernel: weights[0].value, dm: depthMultiplier))  // (N, outH, outW, C·dm) or (N, outW, C·dm)
        if window.useBias { addBiasLastAxis(&y, weights[1].value) }
        window.activation.apply(&y, recordingOn: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)                // (N, outH, outW, C·dm) or (N, outW, C·dm)
        let dx = Depthwise.backwardInput(g, dy: dz, kernel: weights[0].value, dm: depthMultiplier, inputShape: x.shape)
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var grads = [Depthwise.backwardKernel(g, x: x, dy: dz, dm: depthMultiplier).reshaped(weights[0].value.shape)]
        if window.useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}

/// The depthwise convolution kernels, shared by DepthwiseConvolution and SeparableConvolution.
enum Depthwise {
    /// y[b, oy, ox, c·dm + m] = Σ_{ky,kx} x[b, iy, ix, c] · k[ky, kx, c, m].
    static func forward(_ g: ConvGeometry, x: Tensor, kernel: Tensor, dm: Int) -> Tensor {
        let n = x.batch, c = g.channels, co = c * dm
        var y = Tensor(zeros: [n, g.outH, g.outW, co])                               // (N, outH, outW, C·dm)
        x.data.withUnsafeBufferPointer { xp in
            kernel.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let xb = xp.baseAddress!, kb = kp.baseAddress!, yb = yp.baseAddress!
                    parallelFor(n * g.outH) { row in
                        let b = row / g.outH, oy = row % g.outH
                        let xi = xb + b * g.inH * g.inW * c
                        for ox in 0..<g.outW {
                            let o = yb + ((b * g.outH + oy) * g.outW + ox) * co
                            for ky in 0..<g.kH {
                                let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                                if iy < 0 || iy >= g.inH { continue }
                                for kx in 0..<g.kW {
                                    let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                                    if ix < 0 || ix >= g.inW { continue }
                                    let src = xi + (iy * g.inW + ix) * c
                                    let k = kb + (ky * g.kW + kx) * co
                                    if dm == 1 {
                                        for ch in 0..<c { o[ch] += src[ch] * k[ch] }
                                    } else {
                                        for ch in 0..<c {
                                            let v = src[ch]
                                            for m in 0..<dm { o[ch * dm + m] += v * k[ch * dm + m] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// dx[b, iy, ix, c] = Σ over taps landing on an output (oy, ox) of Σ_m dy[b, oy, ox, c·dm + m] · k[ky, kx, c, m].
    /// Gathers per input row, so rows run in parallel without conflicting writes.
    static func backwardInput(_ g: ConvGeometry, dy: Tensor, kernel: Tensor, dm: Int, inputShape: [Int]) -> Tensor {
        let n = inputShape[0], c = g.channels, co = c * dm
        var dx = Tensor(zeros: inputShape)                                          // (N, H, W, C)
        dy.data.withUnsafeBufferPointer { dp in
            kernel.data.withUnsafeBufferPointer { kp in
                dx.data.withUnsafeMutableBufferPointer { xp in
                    let db = dp.baseAddress!, kb = kp.baseAddress!, xb = xp.baseAddress!
                    parallelFor(n * g.inH) { row in
                        let b = row / g.inH, iy = row % g.inH
                        for ky in 0..<g.kH {
                            let ny = iy + g.padTop - ky * g.dilationH
                            if ny < 0 || ny % g.strideH != 0 { continue }
                            let oy = ny / g.strideH
                            if oy >= g.outH { continue }
                            for ix in 0..<g.inW {
                                let d = xb + ((b * g.inH + iy) * g.inW + ix) * c
                                for kx in 0..<g.kW {
                                    let nx = ix + g.padLeft - kx * g.dilationW
                                    if nx < 0 || nx % g.strideW != 0 { continue }
                                    let ox = nx / g.strideW
                                    if ox >= g.outW { continue }
                                    let u = db + ((b * g.outH + oy) * g.outW + ox) * co
                                    let k = kb + (ky * g.kW + kx) * co
                                    if dm == 1 {
                                        for ch in 0..<c { d[ch] += u[ch] * k[ch] }
                                    } else {
                                        for ch in 0..<c {
                                            var s: Float = 0
                                            for m in 0..<dm { s += u[ch * dm + m] * k[ch * dm + m] }
                                            d[ch] += s
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// dk[ky, kx, c, m] = Σ_{b,oy,ox} x[b, iy, ix, c] · dy[b, oy, ox, c·dm + m]; one kernel tap per task.
    static func backwardKernel(_ g: ConvGeometry, x: Tensor, dy: Tensor, dm: Int) -> Tensor {
        let n = x.batch, c = g.channels, co = c * dm
        var dk = Tensor(zeros: [g.kH, g.kW, c, dm])                                  // (kh, kw, C, dm)
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dp in
                dk.data.withUnsafeMutableBufferPointer { kp in
                    let xb = xp.baseAddress!, db = dp.baseAddress!, kb = kp.baseAddress!
                    parallelFor(g.kH * g.kW) { tap in
                        let ky = tap / g.kW, kx = tap % g.kW
                        let k = kb + tap * co
                        for b in 0..<n {
                            for oy in 0..<g.outH {
                                let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                                if iy < 0 || iy >= g.inH { continue }
                                for ox in 0..<g.outW {
                                    let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                                    if ix < 0 || ix >= g.inW { continue }
                                    let src = xb + ((b * g.inH + iy) * g.inW + ix) * c
                                    let u = db + ((b * g.outH + oy) * g.outW + ox) * co
                                    if dm == 1 {
                                        for ch in 0..<c { k[ch] += src[ch] * u[ch] }
                                    } else {
                                        for ch in 0..<c {
                                            let v = src[ch]
                                            for m in 0..<dm { k[ch * dm + m] += v * u[ch * dm + m] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dk
    }
}

/// Adds a per-channel bias to a channels-last tensor.
func addBiasLastAxis(_ y: inout Tensor, _ bias: Tensor) {
    let c = bias.count
    bias.data.withUnsafeBufferPointer { bp in
        y.data.withUnsafeMutableBufferPointer { yp in
            for i in stride(from: 0, to: yp.count, by: c) { for k in 0..<c { yp[i + k] += bp[k] } }
        }
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension DepthwiseConvolution: ChannelsFirstCapable {}
