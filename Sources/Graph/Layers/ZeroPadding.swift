import Tensor

/// Keras `ZeroPadding1D` / `ZeroPadding2D`: `padding` as an int, a (left, right) pair (1-D), a (rows, cols)
/// pair, or ((top, bottom), (left, right)) (2-D). 1-D samples are viewed as images of height 1 (`SpatialRank`).
public final class ZeroPadding<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["ZeroPadding"]) }
    public static var kerasConfigKeys: Set<String> { ["data_format", "padding"] }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// top, bottom, left, right
    public let pad: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        pad = try spatialAmounts(c, key: "padding", default: 1, rank: Rank.rank)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let s = try Rank.planarInput(inputShapes, layer: name)
        return Rank.sampleShape(planar: [s[0] + pad[0] + pad[1], s[1] + pad[2] + pad[3], s[2]])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        guard inputs[0].rank == Rank.rank + 2 else { throw LayerError(name, "input of shape \(inputs[0].shape) is not \(Rank.batchAxes)") }
        let x = Rank.planar(inputs[0])                                        // (N, H, W, C)
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = h + pad[0] + pad[1], ow = w + pad[2] + pad[3]
        var y = Tensor(zeros: [n, oh, ow, c])                                 // (N, H + t + b, W + l + r, C)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    for iy in 0..<h {
                        (yp.baseAddress! + ((b * oh + iy + pad[0]) * ow + pad[2]) * c)
                            .update(from: xp.baseAddress! + (b * h + iy) * w * c, count: w * c)
                    }
                }
            }
        }
        return Rank.unplanar(y)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        return LayerGradients(inputs: [cropSpatial(Rank.planar(upstream), top: pad[0], left: pad[2], to: Rank.planar(x).shape).reshaped(x.shape)])
    }
}

/// Reads ZeroPadding / Cropping amounts: for 2-D an int, (rows, cols), or ((top, bottom), (left, right));
/// for 1-D an int or (left, right). Returns [top, bottom, left, right] (top and bottom 0 for 1-D).
func spatialAmounts(_ c: LayerConfig, key: String, default d: Int, rank: Int = 2) throws -> [Int] {
    if rank == 1 {
        let a = try c.ints(key, count: 2, default: [d, d])
        guard a.allSatisfy({ $0 >= 0 }) else { throw LayerError(c.layer, "config '\(key)' must not be negative") }
        return [0, 0] + a
    }
    guard let v = c.json[key], !v.isNull else { return [d, d, d, d] }
    if let i = v.intValue { return [i, i, i, i] }
    let bad = LayerError(c.layer, "config '\(key)' must be an int, two ints, or two pairs, found \(v.serialized())")
    guard let a = v.arrayValue, a.count == 2 else { throw bad }
    var out: [Int] = []
    for e in a {
        if let i = e.intValue { out += [i, i] }
        else if let p = e.arrayValue, p.count == 2, let x = p[0].intValue, let y = p[1].intValue { out += [x, y] }
        else { throw bad }
    }
    guard out.allSatisfy({ $0 >= 0 }) else { throw bad }
    return out
}

/// The (N, outH, outW, C) window of `t` starting at (top, left); `shape` is the full output shape.
func cropSpatial(_ t: Tensor, top: Int, left: Int, to shape: [Int]) -> Tensor {
    let (n, oh, ow, c) = (shape[0], shape[1], shape[2], shape[3])
    let h = t.shape[1], w = t.shape[2]
    var y = Tensor(zeros: shape)
    t.data.withUnsafeBufferPointer { tp in
        y.data.withUnsafeMutableBufferPointer { yp in
            for b in 0..<n {
                for oy in 0..<oh {
                    (yp.baseAddress! + (b * oh + oy) * ow * c)
                        .update(from: tp.baseAddress! + ((b * h + oy + top) * w + left) * c, count: ow * c)
                }
            }
        }
    }
    return y
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension ZeroPadding: ChannelsFirstCapable {}
