import Tensor

/// Keras `Conv3D` (Keras 1 `Convolution3D`): cross-correlation of (depth, height, width, channels) samples
/// with a (kd, kh, kw, in/G, out) kernel, optional bias and activation, computed by the 3-D convolution core
/// (`VolumeConvolution`: depth tap by depth tap, im2col + one sgemm each); backward is the core's adjoint
/// (the transposed convolution) and its kernel gradient. With `groups` G > 1, input channels
/// [j·in/G, (j+1)·in/G) feed filters [j·out/G, (j+1)·out/G) only: the core runs once per group on the
/// group's channels (gathered contiguous) and its columns of the kernel and output.
public final class Conv3D: Layer {
    public static let kerasClassNames = ["Conv3D", "Convolution3D"]
    public static let kerasConfigKeys = ConvolutionWindow.kerasConfigKeys
    public static let role = LayerRole.convolution(ConvolutionFilters(kernel: "kernel", axis: .last))
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    let groups: Int
    /// Kernel, strides and dilation as (depth, height, width).
    let window: ConvolutionWindow
    /// The core over one group's channels, and the input's channels.
    private(set) var core: VolumeConvolution?
    private var channels = 0

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Spatial3D.self)
        groups = try c.int("groups", default: 1)
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
        guard groups > 0, filters % groups == 0 else { throw LayerError(name, "filters \(filters) must be a positive multiple of groups \(groups)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 4 else {
            throw LayerError(name, "expects one (depth, height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        guard s[3] % groups == 0 else { throw LayerError(name, "input channels \(s[3]) are not a multiple of groups \(groups)") }
        let (d, p) = window.volumeGeometry([s[0], s[1], s[2], s[3] / groups])
        guard d.outH > 0, p.outH > 0, p.outW > 0 else { throw LayerError(name, "input \(s) is smaller than the kernel \(window.kernel)") }
        (core, channels) = (VolumeConvolution(depth: d, plane: p, filters: filters), s[3])
        weights = [try WeightVariable(name: "kernel", shape: window.kernel + [s[3] / groups, filters])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return [d.outH, p.outH, p.outW, filters]
    }

    /// The built core, after checking a batch `x` has the shape it was built for.
    private func built(_ x: Tensor) throws -> VolumeConvolution {
        guard x.rank == 5, let c = core, x.shape[1] == c.depth.inH, x.shape[2] == c.plane.inH, x.shape[3] == c.plane.inW,
              x.shape[4] == channels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return c
    }

    /// The core over group `j`'s channels and filters, and the group's channels of `x` (x itself for one group).
    private func group(_ j: Int, _ core: VolumeConvolution, _ x: Tensor) -> (VolumeConvolution, Tensor) {
        var c = core
        c.columns = (j * filters / groups, filters / groups, filters)
        return (c, groups == 1 ? x : channelGroup(x, j, of: groups))
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                             // (N, D, H, W, Cin)
        let c = try built(x)
        var y = Tensor(zeros: [x.batch, c.depth.outH, c.plane.outH, c.plane.outW, filters])   // (N, outD, outH, outW, Cout)
        for j in 0..<groups {
            let (cg, xg) = group(j, c, x)                                             // (N, D, H, W, Cin/G)
            cg.correlate(xg, weights[0].value, into: &y)
        }
        window.finish(&y, weights, tape: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let c = try built(x)
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)               // (N, outD, outH, outW, Cout)
        var dx = Tensor(zeros: x.shape)                                               // (N, D, H, W, Cin)
        var dk = Tensor(zeros: weightGradients ? weights[0].value.shape : [0])        // (kd, kh, kw, Cin/G, Cout)
        for j in 0..<groups {
            let (cg, xg) = group(j, c, x)
            if groups == 1 {
                cg.transpose(dz, weights[0].value, into: &dx)
            } else {
                var dxg = Tensor(zeros: xg.shape)                                     // (N, D, H, W, Cin/G)
                cg.transpose(dz, weights[0].value, into: &dxg)
                addChannelGroup(dxg, into: &dx, j, of: groups)
            }
            if weightGradients { cg.kernelGradient(signal: xg, response: dz, into: &dk) }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        return LayerGradients(inputs: [dx], weights: window.gradients(kernel: dk, dz: dz))
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
