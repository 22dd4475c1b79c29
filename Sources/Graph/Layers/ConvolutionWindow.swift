import Tensor

/// The settings every convolution shares (`kernel_size`, `strides`, `dilation_rate`, `padding`,
/// `data_format`, `use_bias`, `activation`), read once for Conv1D/2D, DepthwiseConv2D, SeparableConv2D
/// and Conv2DTranspose, with the geometry they give an input. A 1-D window is kept as a 2-D one of
/// height 1 (`SpatialRank`).
struct ConvolutionWindow {
    /// Config keys every convolution may carry (Keras 2, tf-keras, Keras 3).
    static let kerasConfigKeys: Set<String> = [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "dilation_rate", "filters", "groups", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
        "kernel_size", "padding", "strides", "use_bias",
    ]
    /// The keys of a depthwise kernel (DepthwiseConv2D, SeparableConv2D).
    static let depthwiseConfigKeys: Set<String> = [
        "depth_multiplier", "depthwise_constraint", "depthwise_initializer", "depthwise_regularizer",
    ]

    /// Spatial axes of the layer's samples (1: (steps, channels); 2: (height, width, channels); 3: Conv3D's).
    let rank: Int
    /// Kernel, strides and dilation as (height, width), height 1 for a 1-D window; (depth, height, width) for 3-D.
    let kernel: [Int]
    let strides: [Int]
    let dilation: [Int]
    let padding: ConvGeometry.Padding
    let useBias: Bool
    let activation: Activation

    /// Reads and checks the window of a channels-last convolution over `Rank`'s samples; "causal"
    /// padding only where `allowsCausal` (Keras accepts it for Conv1D only).
    init<Rank: SpatialRank>(_ c: LayerConfig, rank: Rank.Type = Spatial2D.self, allowsCausal: Bool = false) throws {
        try c.requireChannelsLast()
        self.rank = Rank.rank
        let (k, s, d) = try c.convolutionWindow(rank: Rank.rank)
        (kernel, strides, dilation) = (Rank.planarWindow(k), Rank.planarWindow(s), Rank.planarWindow(d))
        padding = try c.padding(allowingCausal: allowsCausal)
        useBias = try c.bool("use_bias", default: true)
        activation = try Activation(config: c.json["activation"], layer: c.layer)
    }

    /// The convolution of this 3-D window over a (depth, height, width, channels) sample, as two 2-D
    /// geometries: the depth axis (as a height, width 1) and the (height, width) plane.
    func volumeGeometry(_ s: [Int]) -> (depth: ConvGeometry, plane: ConvGeometry) {
        let d = ConvGeometry(inH: s[0], inW: 1, channels: s[3], kH: kernel[0], kW: 1, strideH: strides[0],
                             dilationH: dilation[0], padding: padding)
        let p = ConvGeometry(inH: s[1], inW: s[2], channels: s[3], kH: kernel[1], kW: kernel[2], strideH: strides[1],
                             strideW: strides[2], dilationH: dilation[1], dilationW: dilation[2], padding: padding)
        return (d, p)
    }

    /// Keras' output length along axis `i` of the transposed convolution of this window.
    func transposedOutputLength(_ input: Int, axis i: Int, outputPadding: [Int]?) -> Int {
        let k = (kernel[i] - 1) * dilation[i] + 1, s = strides[i]
        switch padding {
        case .valid, .causal: return (input - 1) * s + k + (outputPadding?[i] ?? (max(k, s) - k))   // causal: refused on reading
        case .same:
            if let op = outputPadding?[i] { return (input - 1) * s + k % 2 + op }
            return input * s
        }
    }

    /// The kernel's window axes as Keras stores them: (kw) for 1-D, (kh, kw) for 2-D.
    var kernelWindow: [Int] { rank == 1 ? [kernel[1]] : kernel }

    /// The convolution of this window over an (inH, inW, channels) image.
    func geometry(inH: Int, inW: Int, channels: Int) -> ConvGeometry {
        ConvGeometry(inH: inH, inW: inW, channels: channels, kH: kernel[0], kW: kernel[1],
                     strideH: strides[0], strideW: strides[1],
                     dilationH: dilation[0], dilationW: dilation[1], padding: padding)
    }

    /// The geometry over the layer's one input; refuses inputs smaller than the kernel.
    func geometry(_ inputShapes: [[Int]], layer: String) throws -> ConvGeometry {
        let s = rank == 1 ? try Spatial1D.planarInput(inputShapes, layer: layer) : try imageInput(inputShapes, layer: layer)
        let g = geometry(inH: s[0], inW: s[1], channels: s[2])
        guard g.outH > 0, g.outW > 0 else {
            throw LayerError(layer, "input \(inputShapes[0]) is smaller than the kernel \(kernelWindow)")
        }
        return g
    }
}

/// The settings every windowed pooling shares (`pool_size`, `strides`, `padding`, `data_format`);
/// a 1-D window is kept as a 2-D one of height 1 (`SpatialRank`).
struct PoolingWindow {
    static let kerasConfigKeys: Set<String> = ["data_format", "padding", "pool_size", "strides"]

    let rank: Int
    /// Pool and strides as (height, width), height 1 for a 1-D window.
    let pool: [Int]
    let strides: [Int]
    let padding: ConvGeometry.Padding

    init<Rank: SpatialRank>(_ c: LayerConfig, rank: Rank.Type) throws {
        try c.requireChannelsLast()
        self.rank = Rank.rank
        let (p, s) = try c.poolingWindow(rank: Rank.rank)
        (pool, strides) = (Rank.planarWindow(p), Rank.planarWindow(s))
        padding = try c.padding()
    }

    /// The geometry over the layer's one input; refuses inputs smaller than the pool.
    func geometry(_ inputShapes: [[Int]], layer: String) throws -> ConvGeometry {
        let s = rank == 1 ? try Spatial1D.planarInput(inputShapes, layer: layer) : try imageInput(inputShapes, layer: layer)
        let g = ConvGeometry(inH: s[0], inW: s[1], channels: s[2], kH: pool[0], kW: pool[1],
                             strideH: strides[0], strideW: strides[1], padding: padding)
        guard g.outH > 0, g.outW > 0 else {
            throw LayerError(layer, "input \(inputShapes[0]) is smaller than the pool \(rank == 1 ? [pool[1]] : pool)")
        }
        return g
    }
}

/// The one (height, width, channels) input shape of an image layer.
func imageInput(_ inputShapes: [[Int]], layer: String) throws -> [Int] {
    guard inputShapes.count == 1, inputShapes[0].count == 3 else {
        throw LayerError(layer, "expects one (height, width, channels) input, got \(inputShapes)")
    }
    return inputShapes[0]
}

/// The built geometry, after checking a batch `x` has the (inH, inW, channels) it was built for
/// ((inW, channels) with inH 1 for a layer of spatial `rank` 1).
func builtGeometry(_ geometry: ConvGeometry?, for x: Tensor, layer: String, rank: Int = 2) throws -> ConvGeometry {
    let s = rank == 1 && x.rank == 3 ? [x.batch, 1, x.shape[1], x.shape[2]] : x.shape
    guard x.rank == rank + 2, let g = geometry, s[1] == g.inH, s[2] == g.inW, s[3] == g.channels else {
        throw LayerError(layer, "input of shape \(x.shape) does not match the built shape")
    }
    return g
}

extension Activation {
    /// Applies the activation in place; when recording, appends the pre-activation to the tape first.
    func apply(_ y: inout Tensor, recordingOn tape: Tape?) {
        if let tape, self != .linear { tape.saved.append(y) }
        apply(&y)
    }

    /// The gradient at the pre-activation, from the tape `apply(_:recordingOn:)` filled (its last saved value).
    func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule) -> Tensor {
        backward(upstream, input: self == .linear ? tape.output : tape.saved[tape.saved.count - 1], output: tape.output, rule: rule)
    }
}
