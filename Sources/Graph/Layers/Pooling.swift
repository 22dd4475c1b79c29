import FastKernels
import Tensor

/// One windowed pooling kind (max, average): its Keras class names and its forward and backward over
/// the windows of a geometry.
public protocol PoolingOperation {
    /// Keras' class names without the rank (`MaxPooling`, `MaxPool`).
    static var kerasClassStems: [String] { get }
    /// y (N, outH, outW, C) from x (N, H, W, C); may record what backward needs on the tape.
    static func forward(_ x: Tensor, _ g: ConvGeometry, tape: Tape?) -> Tensor
    /// dx (N, H, W, C) from upstream (N, outH, outW, C); the tape is the one forward filled.
    static func backward(_ upstream: Tensor, _ g: ConvGeometry, tape: Tape) -> Tensor
    /// oneDNN's pooling that computes this reduction as Keras does (`InferencePlan`), if any.
    static var fastKind: FastPooling.Kind? { get }
}

/// The layer of every windowed pooling (mlx-swift's `Pool`): settings, geometry and shape checks
/// here, the reduction in the `PoolingOperation`. 1-D poolings run as 2-D ones of height 1 (`SpatialRank`).
public final class Pooling<Operation: PoolingOperation, Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(Operation.kerasClassStems) }
    public static var kerasConfigKeys: Set<String> { PoolingWindow.kerasConfigKeys }
    public static var role: LayerRole { .pooling }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let window: PoolingWindow
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        window = try PoolingWindow(LayerConfig(layer: name, json: config), rank: Rank.self)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        geometry = g
        return Rank.sampleShape(planar: [g.outH, g.outW, g.channels])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let g = try builtGeometry(geometry, for: inputs[0], layer: name, rank: Rank.rank)
        return Rank.unplanar(Operation.forward(Rank.planar(inputs[0]), g, tape: tape))   // (N, outH, outW, C) or (N, outW, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let g = try builtGeometry(geometry, for: tape.inputs[0], layer: name, rank: Rank.rank)
        return LayerGradients(inputs: [Operation.backward(upstream, g, tape: tape)])      // the input's shape
    }
}

/// An inference plan runs the window through oneDNN's pooling (`InferencePlan`).
extension Pooling: FastPoolable {
    var fastPooling: (kind: FastPooling.Kind, geometry: ConvGeometry)? {
        guard let kind = Operation.fastKind, let geometry else { return nil }
        return (kind, geometry)
    }
}

/// One global pooling kind (max, average over all positions).
public protocol GlobalPoolingOperation {
    /// Keras' class names without the rank (`GlobalMaxPooling`, `GlobalMaxPool`).
    static var kerasClassStems: [String] { get }
    /// y (N, C) from x (N, H, W, C); may record what backward needs on the tape.
    static func forward(_ x: Tensor, tape: Tape?) -> Tensor
    /// dx of `inputShape` (N, H, W, C) from upstream (N, C values per sample); the tape is forward's.
    static func backward(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor
    /// Whether the 1-D kind averages only the steps a (N, T) mask keeps (Keras' `GlobalAveragePooling1D`).
    static var honoursStepMask: Bool { get }
}

extension GlobalPoolingOperation {
    public static var honoursStepMask: Bool { false }
}

/// The layer of every global pooling: (N, C), or with `keepdims` (N, 1, 1, C), (N, 1, C) for 1-D and
/// (N, 1, 1, 1, C) for 3-D samples (viewed as images with the same positions, `SpatialRank`).
///
/// `GlobalAveragePooling1D` reads a (N, T) mask: y = Σₜ mₜ xₜ / Σₜ mₜ (NaN where every step is masked, as
/// Keras computes it); the output has no mask. Other global poolings drop the mask, as Keras' do.
public final class GlobalPooling<Operation: GlobalPoolingOperation, Rank: SpatialRank>: MaskAware {
    public static var kerasClassNames: [String] { Rank.classNames(Operation.kerasClassStems) }
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
        let c = try Rank.planarInput(inputShapes, layer: name)[2]
        return keepdims ? [Int](repeating: 1, count: Rank.rank) + [c] : [c]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, masks: [], context: &context, tape: tape)
    }

    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? { nil }

    /// The (N, T) step mask this layer averages under, if it reads masks and one came.
    func stepMask(_ x: Tensor, _ masks: [Tensor?]) throws -> Tensor? {
        guard Operation.honoursStepMask, Rank.rank == 1 else { return nil }
        return try Masks.steps(masks.first ?? nil, of: x, layer: name)
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C) or (N, W, C)
        guard x.rank == Rank.rank + 2 else { throw LayerError(name, "input of shape \(x.shape) is not \(Rank.batchAxes)") }
        let y: Tensor                                                         // (N, C)
        if let m = try stepMask(x, masks) {
            let (n, t, c) = (x.shape[0], x.shape[1], x.shape[2])
            var sum = Tensor(zeros: [n, c])
            for b in 0..<n {
                let kept = (0..<t).reduce(Float(0)) { $0 + m.data[b * t + $1] }
                for s in 0..<t where m.data[b * t + s] != 0 { for k in 0..<c { sum.data[b * c + k] += x.data[(b * t + s) * c + k] } }
                for k in 0..<c { sum.data[b * c + k] /= kept }
            }
            y = sum
        } else {
            y = Operation.forward(Rank.planar(x), tape: tape)
        }
        return keepdims ? y.reshaped([x.batch] + [Int](repeating: 1, count: Rank.rank) + [x.shape[x.rank - 1]]) : y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        if let m = try stepMask(x, tape.masks) {                              // dx[b, t] = m[b, t] · g[b] / Σₜ m[b, t]
            let (n, t, c) = (x.shape[0], x.shape[1], x.shape[2])
            var dx = Tensor(zeros: x.shape)
            for b in 0..<n {
                let kept = (0..<t).reduce(Float(0)) { $0 + m.data[b * t + $1] }
                for s in 0..<t where m.data[b * t + s] != 0 { for k in 0..<c { dx.data[(b * t + s) * c + k] = upstream.data[b * c + k] / kept } }
            }
            return LayerGradients(inputs: [dx])
        }
        return LayerGradients(inputs: [Operation.backward(upstream, inputShape: Rank.planar(x).shape, tape: tape).reshaped(x.shape)])
    }
}

/// Each upstream value added at the input position forward recorded for it (`tape.indices`): the
/// backward of max poolings — plain gradient and DeconvNet unpooling alike.
func unpoolToSwitches(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor {
    var dx = Tensor(uninitialized: inputShape)                                // (N, H, W, C), zeroed below
    let n = inputShape.first ?? 1, perImage = n > 0 ? tape.indices.count / n : 0
    let c = inputShape.last ?? 1
    guard perImage > 0, dx.count > 0, c > 0, perImage % c == 0 else {
        return perImage > 0 ? unpoolImageByImage(upstream, inputShape: inputShape, tape: tape) : Tensor(zeros: inputShape)
    }
    // Over the threads by (image, channel range): the switch of output channel k points at input channel k of
    // the same image, so the ranges write disjoint values even where windows overlap.
    let parts = upstream.count >= 1 << 14 ? max(1, min(c / 8, 2 * Threading.count)) : 1, width = (c + parts - 1) / parts
    dx.data.withUnsafeMutableBufferPointer { dp in
        upstream.data.withUnsafeBufferPointer { up in
            tape.indices.withUnsafeBufferPointer { sp in
                let d = dp.baseAddress!, u = up.baseAddress!, s = sp.baseAddress!
                parallelRanges(dp.count) { r in (d + r.lowerBound).initialize(repeating: 0, count: r.count) }
                parallelFor(n * parts, minPerThread: 1) { job in
                    let b = job / parts, k0 = job % parts * width, k1 = min(c, k0 + width)
                    guard k0 < k1 else { return }
                    for o in stride(from: b * perImage, to: (b + 1) * perImage, by: c) {
                        for k in (o + k0)..<(o + k1) { d[Int(s[k])] += u[k] }
                    }
                }
            }
        }
    }
    return dx
}

/// The same as `unpoolToSwitches`, image by image (an image's switches point into that image only): the
/// reference the channel-range split is tested against, and the path for shapes it does not cover.
func unpoolImageByImage(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor {
    var dx = Tensor(zeros: inputShape)                                        // (N, H, W, C)
    let n = inputShape.first ?? 1, perImage = n > 0 ? tape.indices.count / n : 0
    guard perImage > 0, dx.count > 0 else { return dx }
    dx.data.withUnsafeMutableBufferPointer { dp in
        upstream.data.withUnsafeBufferPointer { up in
            tape.indices.withUnsafeBufferPointer { sp in
                let d = dp.baseAddress!, u = up.baseAddress!, s = sp.baseAddress!
                parallelFor(n, minPerThread: 1) { b in
                    for o in (b * perImage)..<((b + 1) * perImage) { d[Int(s[o])] += u[o] }
                }
            }
        }
    }
    return dx
}

/// A 3-D pooling as two 2-D poolings (`StagedVolume`): the (height, width) window, then (depth, 1).
extension PoolingOperation {
    public static var kerasConfigKeys: Set<String> { PoolingWindow.kerasConfigKeys }
    public static var role: LayerRole { .pooling }

    public static func stages(_ c: LayerConfig) throws -> (className: String, plane: JSON, depth: JSON) {
        let (pool, strides) = try c.poolingWindow(rank: 3)
        let padding = JSON.string(try c.padding().rawValue)
        let className = Spatial2D.classNames(kerasClassStems)[0]
        return (className, ["pool_size": jsonInts([pool[1], pool[2]]), "strides": jsonInts([strides[1], strides[2]]), "padding": padding],
                ["pool_size": jsonInts([pool[0], 1]), "strides": jsonInts([strides[0], 1]), "padding": padding])
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Pooling: ChannelsFirstCapable {}
extension GlobalPooling: ChannelsFirstCapable {}

/// Keras 1 1-D pooling: `pool_length`, `stride` (2-D and 3-D ones differ only by the shared keys).
extension Pooling: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] { [("pool_length", "pool_size"), ("stride", "strides")] }
}
