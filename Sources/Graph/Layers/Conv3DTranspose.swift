import Tensor

/// Keras `Conv3DTranspose` (kernel (kd, kh, kw, out, in)): the adjoint of the 3-D convolution that maps the
/// layer's output size back to its input size, through the core `Conv3D` uses (`VolumeConvolution`): forward
/// is the core's transpose, backward its correlation and kernel gradient with the roles swapped. Output sizes follow
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
    /// The convolution from this layer's output (its signal, F channels) to its input (its response, Cin).
    private(set) var core: VolumeConvolution?
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
        (core, inChannels) = (VolumeConvolution(depth: d, plane: p, filters: s[3]), s[3])
        weights = [try WeightVariable(name: "kernel", shape: window.kernel + [filters, s[3]])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return out + [filters]
    }

    private func built(_ x: Tensor) throws -> VolumeConvolution {
        guard x.rank == 5, let c = core, x.shape[1] == c.depth.outH, x.shape[2] == c.plane.outH, x.shape[3] == c.plane.outW,
              x.shape[4] == inChannels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return c
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                             // (N, D, H, W, Cin)
        let c = try built(x)
        var y = Tensor(zeros: [x.batch, c.depth.inH, c.plane.inH, c.plane.inW, filters])    // (N, outD, outH, outW, F)
        c.transpose(x, weights[0].value, into: &y)                                    // the convolution's adjoint
        window.finish(&y, weights, tape: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let c = try built(x)
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)        // (N, outD, outH, outW, F)
        var dx = Tensor(zeros: x.shape)                                               // (N, D, H, W, Cin)
        c.correlate(dz, weights[0].value, into: &dx)                                  // the convolution itself
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var dk = Tensor(zeros: weights[0].value.shape)                                // (kd, kh, kw, F, Cin)
        c.kernelGradient(signal: dz, response: x, into: &dk)
        return LayerGradients(inputs: [dx], weights: window.gradients(kernel: dk, dz: dz))
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Conv3DTranspose: ChannelsFirstCapable {}
