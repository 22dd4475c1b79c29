import Tensor

/// Keras `ZeroPadding2D`: `padding` as an int, a (rows, cols) pair, or ((top, bottom), (left, right)).
public final class ZeroPadding2D: Layer {
    public static let kerasClassNames = ["ZeroPadding2D"]
    public static let kerasConfigKeys: Set<String> = ["data_format", "padding"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    /// top, bottom, left, right
    let pad: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        pad = try spatialAmounts(c, key: "padding", default: 1)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        return [s[0] + pad[0] + pad[1], s[1] + pad[2] + pad[3], s[2]]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4 else { throw LayerError(name, "input of shape \(x.shape) is not (N, H, W, C)") }
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
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        LayerGradients(inputs: [cropSpatial(upstream, top: pad[0], left: pad[2], to: tape.inputs[0].shape)])
    }
}

/// Reads ZeroPadding2D / Cropping2D amounts: int, (rows, cols), or ((top, bottom), (left, right)).
/// Returns [top, bottom, left, right].
func spatialAmounts(_ c: LayerConfig, key: String, default d: Int) throws -> [Int] {
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
