import Tensor

/// Keras `Conv3D` (Keras 1 `Convolution3D`): cross-correlation of (depth, height, width, channels) samples
/// with a (kd, kh, kw, in, out) kernel, optional bias and activation. Each output depth slice is the sum
/// over the kernel's depth taps of 2-D convolutions of input depth slices: im2col of the slice (`Im2Col`,
/// the 2-D geometry of height and width) times the tap's (kh·kw·in, out) block of the kernel, one sgemm
/// each. Backward is the transposed convolution tap by tap (sgemm, then col2im). The depth axis follows
/// the same TensorFlow padding rule, computed as a 2-D geometry of width 1.
public final class Conv3D: Layer {
    public static let kerasClassNames = ["Conv3D", "Convolution3D"]
    public static let kerasConfigKeys = ConvolutionWindow.kerasConfigKeys
    public static let role = LayerRole.convolution(ConvolutionFilters(kernel: "kernel", axis: .last))
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    /// Kernel, strides and dilation as (depth, height, width).
    let window: ConvolutionWindow
    /// The depth axis (as a height, width 1) and the (height, width) plane.
    private(set) var depth: ConvGeometry?
    private(set) var plane: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Spatial3D.self)
        if try c.int("groups", default: 1) != 1 { throw LayerError(name, "grouped 3-D convolution (groups > 1) is not supported") }
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 4 else {
            throw LayerError(name, "expects one (depth, height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let (d, p) = window.volumeGeometry(s)
        guard d.outH > 0, p.outH > 0, p.outW > 0 else { throw LayerError(name, "input \(s) is smaller than the kernel \(window.kernel)") }
        (depth, plane) = (d, p)
        weights = [try WeightVariable(name: "kernel", shape: window.kernel + [s[3], filters])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return [d.outH, p.outH, p.outW, filters]
    }

    /// The built geometries, after checking a batch `x` has the shape they were built for.
    private func built(_ x: Tensor) throws -> (ConvGeometry, ConvGeometry) {
        guard x.rank == 5, let d = depth, let p = plane, x.shape[1] == d.inH, x.shape[2] == p.inH, x.shape[3] == p.inW,
              x.shape[4] == p.channels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return (d, p)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                             // (N, D, H, W, Cin)
        let (d, p) = try built(x)
        var y = Tensor(zeros: [x.batch, d.outH, p.outH, p.outW, filters])             // (N, outD, outH, outW, Cout)
        let k = p.patchSize, slice = p.inH * p.inW * p.channels, outSlice = p.patches * filters
        var cols = [Float](repeating: 0, count: p.patches * k)
        x.data.withUnsafeBufferPointer { xp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        forEachDepthTap(batch: x.batch, d) { b, od, id, kd in
                            Im2Col.forward(p, x: xp.baseAddress! + (b * d.inH + id) * slice, cols: cp.baseAddress!)
                            // (P, K) × (K, Cout) → (P, Cout), summed over the depth taps
                            sgemm(m: p.patches, n: filters, k: k, a: cp.baseAddress!, lda: k,
                                  b: kp.baseAddress! + kd * k * filters, ldb: filters,
                                  beta: 1, c: yp.baseAddress! + (b * d.outH + od) * outSlice, ldc: filters)
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
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)               // (N, outD, outH, outW, Cout)
        var dx = Tensor(zeros: x.shape)                                               // (N, D, H, W, Cin)
        var dk = Tensor(zeros: weightGradients ? weights[0].value.shape : [0])        // (kd, kh, kw, Cin, Cout)
        let k = p.patchSize, slice = p.inH * p.inW * p.channels, outSlice = p.patches * filters
        var cols = [Float](repeating: 0, count: p.patches * k)
        x.data.withUnsafeBufferPointer { xp in
            dz.data.withUnsafeBufferPointer { dzp in
                weights[0].value.data.withUnsafeBufferPointer { kp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        dk.data.withUnsafeMutableBufferPointer { dkp in
                            cols.withUnsafeMutableBufferPointer { cp in
                                forEachDepthTap(batch: x.batch, d) { b, od, id, kd in
                                    let dzi = dzp.baseAddress! + (b * d.outH + od) * outSlice
                                    // (P, Cout) × (K, Cout)ᵀ → (P, K), then col2im into the input slice
                                    sgemm(transB: true, m: p.patches, n: k, k: filters, a: dzi, lda: filters,
                                          b: kp.baseAddress! + kd * k * filters, ldb: filters, c: cp.baseAddress!, ldc: k)
                                    Im2Col.backward(p, cols: cp.baseAddress!, dx: dxp.baseAddress! + (b * d.inH + id) * slice)
                                    guard weightGradients else { return }
                                    // (P, K)ᵀ × (P, Cout) → (K, Cout), accumulated into the tap's block
                                    Im2Col.forward(p, x: xp.baseAddress! + (b * d.inH + id) * slice, cols: cp.baseAddress!)
                                    sgemm(transA: true, m: k, n: filters, k: p.patches, a: cp.baseAddress!, lda: k,
                                          b: dzi, ldb: filters, beta: 1, c: dkp.baseAddress! + kd * k * filters, ldc: filters)
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

/// Calls `body(b, od, id, kd)` for every output depth slice od of image b and kernel depth tap kd that
/// reads an input slice id inside the sample, for the depth geometry `d` (a height, width 1).
func forEachDepthTap(batch n: Int, _ d: ConvGeometry, _ body: (Int, Int, Int, Int) -> Void) {
    for b in 0..<n {
        for od in 0..<d.outH {
            for kd in 0..<d.kH {
                let id = od * d.strideH - d.padTop + kd * d.dilationH
                if id >= 0 && id < d.inH { body(b, od, id, kd) }
            }
        }
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Conv3D: ChannelsFirstCapable {}

/// Keras 1 `Convolution3D`: `nb_filter`, `kernel_dim1`, `kernel_dim2`, `kernel_dim3`.
extension Conv3D: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [("nb_filter", "filters")] }
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        Keras1Config.kernelSize(Keras1Config.renamed(config, keras1Renames), from: ["kernel_dim1", "kernel_dim2", "kernel_dim3"])
    }
}
