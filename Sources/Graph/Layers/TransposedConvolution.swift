import Tensor

/// Keras `Conv1DTranspose` / `Conv2DTranspose` (kernel (kw, out, in) / (kh, kw, out, in)): the adjoint of
/// the convolution that maps the layer's output size back to its input size. Forward is one sgemm per
/// image then col2im; backward is im2col then sgemm — the mirror image of `Convolution`. 1-D layers run
/// as 2-D ones over images of height 1 (`SpatialRank`).
///
/// Output size follows Keras (`_get_output_shape_given_tf_padding`): valid → (in−1)·s + k + op with
/// op = max(k, s) − k when `output_padding` is null; same → in·s, or (in−1)·s + k mod 2 + op.
/// Padding is then TensorFlow's, inferred from the output size (conv_transpose semantics).
public final class TransposedConvolution<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["Conv", "Convolution"], suffix: "Transpose") }
    public static var kerasConfigKeys: Set<String> { ConvolutionWindow.kerasConfigKeys.union(["output_padding"]) }
    public static var role: LayerRole { .convolution(ConvolutionFilters(kernel: "kernel", axis: .secondToLast)) }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    let window: ConvolutionWindow
    /// As (height, width), 0 on the height of a 1-D layer.
    let outputPadding: [Int]?
    /// The convolution from this layer's output (as its input) to this layer's input (as its output).
    private(set) var geometry: ConvGeometry?
    private var inChannels = 0

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Rank.self)
        outputPadding = c.has("output_padding") ? Array(repeating: 0, count: 2 - Rank.rank) + (try c.ints("output_padding", count: Rank.rank)) : nil
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
        if let op = outputPadding {
            for i in 0..<2 where op[i] < 0 || op[i] >= window.strides[i] {
                throw LayerError(name, "output_padding \(op) must be non-negative and smaller than strides \(window.strides)")
            }
        }
    }

    private func outputLength(_ input: Int, axis i: Int) -> Int {
        window.transposedOutputLength(input, axis: i, outputPadding: outputPadding)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let s = try Rank.planarInput(inputShapes, layer: name)
        let outH = outputLength(s[0], axis: 0), outW = outputLength(s[1], axis: 1)
        let g = window.geometry(inH: outH, inW: outW, channels: filters)
        guard outH > 0, outW > 0, g.outH == s[0], g.outW == s[1] else {
            throw LayerError(name, "input \(inputShapes[0]) gives output \(Rank.rank == 1 ? "\(outW)" : "\(outH)×\(outW)"), whose convolution does not map back to the input size")
        }
        geometry = g
        inChannels = s[2]
        weights = [try WeightVariable(name: "kernel", shape: window.kernelWindow + [filters, s[2]])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return Rank.sampleShape(planar: [outH, outW, filters])
    }

    private func check(_ x: Tensor) throws -> ConvGeometry {
        let s = Rank.planar(x).shape
        guard x.rank == Rank.rank + 2, let g = geometry, s[1] == g.outH, s[2] == g.outW, s[3] == inChannels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return g
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                  // (N, H, W, Cin); H·W = g.patches
        let g = try check(x)
        let n = x.batch, cin = inChannels
        var y = Tensor(zeros: [n] + Rank.sampleShape(planar: [g.inH, g.inW, filters]))   // (N, outH, outW, F) or (N, outW, F)
        let identity = Im2Col.isIdentity(g)
        var cols = [Float](repeating: 0, count: identity ? 0 : g.patches * g.patchSize)
        x.data.withUnsafeBufferPointer { xp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<n {
                            let yi = yp.baseAddress! + b * g.inH * g.inW * filters
                            // (P, Cin) × (K, Cin)ᵀ → (P, K), K = kh·kw·F
                            sgemm(transB: true, m: g.patches, n: g.patchSize, k: cin,
                                  a: xp.baseAddress! + b * g.patches * cin, lda: cin,
                                  b: kp.baseAddress!, ldb: cin,
                                  c: identity ? yi : cp.baseAddress!, ldc: g.patchSize)
                            if !identity { Im2Col.backward(g, cols: cp.baseAddress!, dx: yi) }   // col2im
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
        let g = try check(x)
        let n = x.batch, cin = inChannels
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)                // (N, outH, outW, F)
        var dx = Tensor(zeros: x.shape)                                                      // (N, H, W, Cin)
        var dk = Tensor(zeros: weightGradients ? weights[0].value.shape : [0])
        let identity = Im2Col.isIdentity(g)
        var cols = [Float](repeating: 0, count: identity ? 0 : g.patches * g.patchSize)
        dz.data.withUnsafeBufferPointer { dzp in
            x.data.withUnsafeBufferPointer { xp in
                weights[0].value.data.withUnsafeBufferPointer { kp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        dk.data.withUnsafeMutableBufferPointer { dkp in
                            cols.withUnsafeMutableBufferPointer { cp in
                                for b in 0..<n {
                                    let dzi = dzp.baseAddress! + b * g.inH * g.inW * filters
                                    let a: UnsafePointer<Float>
                                    if identity { a = dzi } else {
                                        Im2Col.forward(g, x: dzi, cols: cp.baseAddress!)     // (P, K)
                                        a = UnsafePointer(cp.baseAddress!)
                                    }
                                    // (P, K) × (K, Cin) → (P, Cin)
                                    sgemm(m: g.patches, n: cin, k: g.patchSize, a: a, lda: g.patchSize,
                                          b: kp.baseAddress!, ldb: cin,
                                          c: dxp.baseAddress! + b * g.patches * cin, ldc: cin)
                                    if weightGradients {
                                        // (P, K)ᵀ × (P, Cin) → (K, Cin), accumulated over the batch
                                        sgemm(transA: true, m: g.patchSize, n: cin, k: g.patches, a: a, lda: g.patchSize,
                                              b: xp.baseAddress! + b * g.patches * cin, ldb: cin,
                                              beta: b == 0 ? 0 : 1, c: dkp.baseAddress!, ldc: cin)
                                    }
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
extension TransposedConvolution: ChannelsFirstCapable {}
