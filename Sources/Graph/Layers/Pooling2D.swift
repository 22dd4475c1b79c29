import Tensor

/// One windowed pooling kind (max, average): its Keras class names and its forward and backward over
/// the windows of a geometry.
public protocol PoolingOperation {
    static var kerasClassNames: [String] { get }
    /// y (N, outH, outW, C) from x (N, H, W, C); may record what backward needs on the tape.
    static func forward(_ x: Tensor, _ g: ConvGeometry, tape: Tape?) -> Tensor
    /// dx (N, H, W, C) from upstream (N, outH, outW, C); the tape is the one forward filled.
    static func backward(_ upstream: Tensor, _ g: ConvGeometry, tape: Tape) -> Tensor
}

/// The layer of every windowed 2-D pooling (mlx-swift's `Pool`): settings, geometry and shape checks
/// here, the reduction in the `PoolingOperation`.
public final class Pooling2D<Operation: PoolingOperation>: Layer {
    public static var kerasClassNames: [String] { Operation.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { PoolingWindow.kerasConfigKeys }
    public static var role: LayerRole { .pooling }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let window: PoolingWindow
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        window = try PoolingWindow(LayerConfig(layer: name, json: config))
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        geometry = g
        return [g.outH, g.outW, g.channels]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        Operation.forward(inputs[0], try builtGeometry(geometry, for: inputs[0], layer: name), tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [Operation.backward(upstream, try builtGeometry(geometry, for: tape.inputs[0], layer: name), tape: tape)])
    }
}

/// One global pooling kind (max, average over all positions).
public protocol GlobalPoolingOperation {
    static var kerasClassNames: [String] { get }
    /// y (N, C) from x (N, H, W, C); may record what backward needs on the tape.
    static func forward(_ x: Tensor, tape: Tape?) -> Tensor
    /// dx of `inputShape` (N, H, W, C) from upstream (N, C values per sample); the tape is forward's.
    static func backward(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor
}

/// The layer of every global 2-D pooling: (N, C), or (N, 1, 1, C) with `keepdims`.
public final class GlobalPooling2D<Operation: GlobalPoolingOperation>: Layer {
    public static var kerasClassNames: [String] { Operation.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { ["data_format", "keepdims"] }
    public static var role: LayerRole { .globalPooling }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let keepdims: Bool

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        keepdims = try c.bool("keepdims", default: false)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let c = try imageInput(inputShapes, layer: name)[2]
        return keepdims ? [1, 1, c] : [c]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4 else { throw LayerError(name, "input of shape \(x.shape) is not (N, H, W, C)") }
        let y = Operation.forward(x, tape: tape)                              // (N, C)
        return keepdims ? Tensor(shape: [x.batch, 1, 1, x.shape[3]], data: y.data) : y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [Operation.backward(upstream, inputShape: tape.inputs[0].shape, tape: tape)])
    }
}

/// Each upstream value added at the input position forward recorded for it (`tape.indices`): the
/// backward of max poolings — plain gradient and DeconvNet unpooling alike.
func unpoolToSwitches(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor {
    var dx = Tensor(zeros: inputShape)                                        // (N, H, W, C)
    dx.data.withUnsafeMutableBufferPointer { dp in
        upstream.data.withUnsafeBufferPointer { up in
            for (o, i) in tape.indices.enumerated() { dp[Int(i)] += up[o] }
        }
    }
    return dx
}
