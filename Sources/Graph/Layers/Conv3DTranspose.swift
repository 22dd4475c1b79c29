import Tensor

/// Keras `Conv3DTranspose` (kernel (kd, kh, kw, out, in)): the adjoint of the 3-D convolution that maps the
/// layer's output size back to its input size, depth tap by depth tap as `Conv3D`: forward is one sgemm per
/// (slice, tap) then col2im into the output slice; backward is im2col then sgemm. Output sizes follow
/// Keras as `Conv2DTranspose`'s do (`ConvolutionWindow.transposedOutputLength`).
public final class Conv3DTranspose: Layer {
    public static let kerasClassNames = ["Conv3DTranspose", "Convolution3DTranspose"]
    public static let kerasConfigKeys = ConvolutionWindow.kerasConfigKeys.union(["output_padding"])
    public static let role = LayerRole.convolution(ConvolutionFilters(kernel: "kernel", axis: .secondToLast))
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    /// Kernel, strides and dilation as (depth, height, width).
    let window: ConvolutionWindow
    let outputPadding: [Int]?
    /// The convolution from this layer's output to its input: over depth (a height, width 1) and the plane.
    private(set) var depth: ConvGeometry?
    private(set) var plane: ConvGeometry?
    private var inChannels = 0

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Spatial3D.self)
        outputPadding = c.has("output_padding") ? try c.ints("output_padding", count: 3) : nil
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
        if let op = outputPadding {
            for i in 0..<3 where op[i] < 0 || op[i] >= window.strides[i] {
                throw LayerError(name, "output_padding \(op) must be non-negative and smaller than strides \(window.strides)")
            }
        }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 4 else {
            throw LayerError(name, "expects one (depth, height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let out = (0..<3).map { window.transposedOutputLength(s[$0], axis: $0, outputPadding: outputPadding) }
        let (d, p) = window.volumeGeometry(out + [filters])
        guard out.allSatisfy({ $0 > 0 }), d.outH == s[0], p.outH == s[1], p.outW == s[2] else {
            throw LayerError(name, "input \(s) gives output \(out), whose convolution does not map back to the input size")
        }
        (depth, plane, inChannels) = (d, p, s[3])
        weights = [try WeightVariable(name: "kernel", shape: window.kernel + [filters, s[3]])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return out + [filters]
    }

    private func built(_ x: Tensor) throws -> (ConvGeometry, ConvGeometry) {
        guard x.rank == 5, let d = depth, let p = plane, x.shape[1] == d.outH, x.shape[2] == p.outH, x.shape[3] == p.outW,
              x.shape[4] == inChannels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return (d, p)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                             // (N, D, H, W, Cin)
        let (d, p) = try built(x)
        var y = Tensor(zeros: [x.batch, d.inH, p.inH, p.inW, filters])                // (N, outD, outH, outW, F)
        let k = p.patchSize, cin = inChannels, slice = p.patches * cin, outSlice = p.inH * p.inW * filters
        var cols = [Float](repeating: 0, count: p.patches * k)
        x.data.withUnsafeBufferPointer { xp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        // The convolution's output slice od is this layer's input slice; its input slice id, the output's.
                        forEachDepthTap(batch: x.batch, d) { b, od, id, kd in
                            // (P, Cin) × (K, Cin)ᵀ → (P, K), then col2im into the output slice
                            sgemm(transB: true, m: p.patches, n: k, k: cin, a: xp.baseAddress! + (b * d.outH + od) * slice, lda: cin,
                                  b: kp.baseAddress! + kd * k * cin, ldb: cin, c: cp.baseAddress!, ldc: k)
                            Im2Col.backward(p, cols: cp.baseAddress!, dx: yp.baseAddress! + (b * d.inH + id) * outSlice)
                        }
                    }
                }
            }
        }
        if window.useBias { addBiasLastAxis(&y, weights[1].value) }
        window.activation.apply(&y, recordingOn: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let (d, p) = try built(x)
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)        // (N, outD, outH, outW, F)
        var dx = Tensor(zeros: x.shape)                                               // (N, D, H, W, Cin)
        var dk = Tensor(zeros: weightGradients ? weights[0].value.shape : [0])        // (kd, kh, kw, F, Cin)
        let k = p.patchSize, cin = inChannels, slice = p.patches * cin, outSlice = p.inH * p.inW * filters
        var cols = [Float](repeating: 0, count: p.patches * k)
        x.data.withUnsafeBufferPointer { xp in
            dz.data.withUnsafeBufferPointer { dzp in
                weights[0].value.data.withUnsafeBufferPointer { kp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        dk.data.withUnsafeMutableBufferPointer { dkp in
                            cols.withUnsafeMutableBufferPointer { cp in
                                forEachDepthTap(batch: x.batch, d) { b, od, id, kd in
                                    Im2Col.forward(p, x: dzp.baseAddress! + (b * d.inH + id) * outSlice, cols: cp.baseAddress!)   // (P, K)
                                    // (P, K) × (K, Cin) → (P, Cin), summed over the taps
                                    sgemm(m: p.patches, n: cin, k: k, a: cp.baseAddress!, lda: k, b: kp.baseAddress! + kd * k * cin, ldb: cin,
                                          beta: 1, c: dxp.baseAddress! + (b * d.outH + od) * slice, ldc: cin)
                                    guard weightGradients else { return }
                                    // (P, K)ᵀ × (P, Cin) → (K, Cin), accumulated into the tap's block
                                    sgemm(transA: true, m: k, n: cin, k: p.patches, a: cp.baseAddress!, lda: k,
                                          b: xp.baseAddress! + (b * d.outH + od) * slice, ldb: cin,
                                          beta: 1, c: dkp.baseAddress! + kd * k * cin, ldc: cin)
                                }
                            }
                        }
                    }
                }
            }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var grads = [dk]
        if window.useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Conv3DTranspose: ChannelsFirstCapable {}
