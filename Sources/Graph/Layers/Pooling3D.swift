import Tensor

/// Keras `MaxPooling3D` / `AveragePooling3D`. A 3-D window is the product of a (height, width) window
/// and a depth window, and so is the part of it inside the sample (TensorFlow pads max pooling with −∞
/// and averages over inside positions only): the 3-D pooling is the 2-D pooling of every depth slice,
/// then the pooling of the result along depth — the same `PoolingOperation` twice, through views.
/// Max pooling's backward routes to the switches both stages recorded (DeconvNet unpooling included).
public final class Pooling3D<Operation: PoolingOperation>: Layer {
    public static var kerasClassNames: [String] { Spatial3D.classNames(Operation.kerasClassStems) }
    public static var kerasConfigKeys: Set<String> { PoolingWindow.kerasConfigKeys }
    public static var role: LayerRole { .pooling }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let pool: [Int], strides: [Int]
    let padding: ConvGeometry.Padding
    /// The (height, width) pooling of one depth slice, and the depth pooling of (depth, outH·outW) images.
    private(set) var plane: ConvGeometry?
    private(set) var depth: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        (pool, strides) = try c.poolingWindow(rank: 3)
        padding = try c.padding()
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 4 else {
            throw LayerError(name, "expects one (depth, height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let p = ConvGeometry(inH: s[1], inW: s[2], channels: s[3], kH: pool[1], kW: pool[2],
                             strideH: strides[1], strideW: strides[2], padding: padding)
        let d = ConvGeometry(inH: s[0], inW: p.outH * p.outW, channels: s[3], kH: pool[0], kW: 1, strideH: strides[0], padding: padding)
        guard p.outH > 0, p.outW > 0, d.outH > 0 else { throw LayerError(name, "input \(s) is smaller than the pool \(pool)") }
        (plane, depth) = (p, d)
        return [d.outH, p.outH, p.outW, s[3]]
    }

    private func built(_ x: Tensor) throws -> (ConvGeometry, ConvGeometry) {
        guard x.rank == 5, let p = plane, let d = depth, x.shape[1] == d.inH, x.shape[2] == p.inH, x.shape[3] == p.inW,
              x.shape[4] == p.channels else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return (p, d)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, D, H, W, C)
        let (p, d) = try built(x)
        let n = x.batch, c = p.channels
        let slices = x.reshaped([n * d.inH, p.inH, p.inW, c])                 // (N·D, H, W, C)
        let planeTape = tape.map { _ in Tape() }, depthTape = tape.map { _ in Tape() }
        planeTape?.inputs = [slices]
        let a = Operation.forward(slices, p, tape: planeTape)                 // (N·D, outH, outW, C)
        let columns = a.reshaped([n, d.inH, d.inW, c])                        // (N, D, outH·outW, C)
        depthTape?.inputs = [columns]
        let y = Operation.forward(columns, d, tape: depthTape)                // (N, outD, outH·outW, C)
        if let tape {
            tape.saved = [columns]
            tape.indices = planeTape!.indices + depthTape!.indices            // max pooling's switches, stage by stage
        }
        return y.reshaped([n, d.outH, p.outH, p.outW, c])                     // (N, outD, outH, outW, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let (p, d) = try built(x)
        let n = x.batch, c = p.channels
        let columns = tape.saved[0]
        let planeTape = Tape(), depthTape = Tape()
        planeTape.inputs = [x.reshaped([n * d.inH, p.inH, p.inW, c])]
        depthTape.inputs = [columns]
        if !tape.indices.isEmpty {
            planeTape.indices = Array(tape.indices[..<columns.count])
            depthTape.indices = Array(tape.indices[columns.count...])
        }
        let dColumns = Operation.backward(upstream.reshaped([n, d.outH, d.inW, c]), d, tape: depthTape)   // (N, D, outH·outW, C)
        let dSlices = Operation.backward(dColumns.reshaped([n * d.inH, p.outH, p.outW, c]), p, tape: planeTape)  // (N·D, H, W, C)
        return LayerGradients(inputs: [dSlices.reshaped(x.shape)])
    }
}
