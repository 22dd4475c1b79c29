import Tensor

/// The settings every 2-D convolution shares (`kernel_size`, `strides`, `dilation_rate`, `padding`,
/// `data_format`, `use_bias`, `activation`), read once for Conv2D, DepthwiseConv2D, SeparableConv2D
/// and Conv2DTranspose, with the geometry they give an input.
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

    let kernel: [Int]
    let strides: [Int]
    let dilation: [Int]
    let padding: ConvGeometry.Padding
    let useBias: Bool
    let activation: Activation

    /// Reads and checks the window of a channels-last convolution.
    init(_ c: LayerConfig) throws {
        try c.requireChannelsLast()
        (kernel, strides, dilation) = try c.convolutionWindow()
        padding = try c.padding()
        useBias = try c.bool("use_bias", default: true)
        activation = try Activation(config: c.json["activation"], layer: c.layer)
    }

    /// The convolution of this window over an (inH, inW, channels) image.
    func geometry(inH: Int, inW: Int, channels: Int) -> ConvGeometry {
        ConvGeometry(inH: inH, inW: inW, channels: channels, kH: kernel[0], kW: kernel[1],
                     strideH: strides[0], strideW: strides[1],
                     dilationH: dilation[0], dilationW: dilation[1], padding: padding)
    }

    /// The geometry over the layer's one (height, width, channels) input; refuses inputs smaller than the kernel.
    func geometry(_ inputShapes: [[Int]], layer: String) throws -> ConvGeometry {
        let s = try imageInput(inputShapes, layer: layer)
        let g = geometry(inH: s[0], inW: s[1], channels: s[2])
        guard g.outH > 0, g.outW > 0 else { throw LayerError(layer, "input \(s) is smaller than the kernel \(kernel)") }
        return g
    }
}

/// The settings every windowed 2-D pooling shares (`pool_size`, `strides`, `padding`, `data_format`).
struct PoolingWindow {
    static let kerasConfigKeys: Set<String> = ["data_format", "padding", "pool_size", "strides"]

    let pool: [Int]
    let strides: [Int]
    let padding: ConvGeometry.Padding

    init(_ c: LayerConfig) throws {
        try c.requireChannelsLast()
        (pool, strides) = try c.poolingWindow()
        padding = try c.padding()
    }

    /// The geometry over the layer's one (height, width, channels) input; refuses inputs smaller than the pool.
    func geometry(_ inputShapes: [[Int]], layer: String) throws -> ConvGeometry {
        let s = try imageInput(inputShapes, layer: layer)
        let g = ConvGeometry(inH: s[0], inW: s[1], channels: s[2], kH: pool[0], kW: pool[1],
                             strideH: strides[0], strideW: strides[1], padding: padding)
        guard g.outH > 0, g.outW > 0 else { throw LayerError(layer, "input \(s) is smaller than the pool \(pool)") }
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

/// The built geometry, after checking a batch `x` has the (inH, inW, channels) it was built for.
func builtGeometry(_ geometry: ConvGeometry?, for x: Tensor, layer: String) throws -> ConvGeometry {
    guard x.rank == 4, let g = geometry, x.shape[1] == g.inH, x.shape[2] == g.inW, x.shape[3] == g.channels else {
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
