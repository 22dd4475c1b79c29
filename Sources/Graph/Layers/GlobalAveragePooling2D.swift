import Tensor

/// Keras `GlobalAveragePooling2D`: mean over height and width; (N, C), or (N, 1, 1, C) with `keepdims`.
public final class GlobalAveragePooling2D: Layer {
    public static let kerasClassNames = ["GlobalAveragePooling2D", "GlobalAvgPool2D"]
    public let name: String
    public var className = "GlobalAveragePooling2D"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let keepdims: Bool

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        keepdims = try c.bool("keepdims", default: false)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let c = inputShapes[0][2]
        return keepdims ? [1, 1, c] : [c]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard x.rank == 4 else { throw LayerError(name, "input of shape \(x.shape) is not (N, H, W, C)") }
        let n = x.batch, hw = x.shape[1] * x.shape[2], c = x.shape[3]
        var y = Tensor(zeros: keepdims ? [n, 1, 1, c] : [n, c])                // (N, C) or (N, 1, 1, C)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    let o = yp.baseAddress! + b * c
                    var src = xp.baseAddress! + b * hw * c
                    for _ in 0..<hw {
                        for ch in 0..<c { o[ch] += src[ch] }
                        src += c
                    }
                    let inv = 1 / Float(hw)
                    for ch in 0..<c { o[ch] *= inv }
                }
            }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let shape = tape.inputs[0].shape
        let n = shape[0], hw = shape[1] * shape[2], c = shape[3]
        var dx = Tensor(zeros: shape)                                         // (N, H, W, C)
        let inv = 1 / Float(hw)
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                for b in 0..<n {
                    let u = up.baseAddress! + b * c
                    var d = dp.baseAddress! + b * hw * c
                    for _ in 0..<hw {
                        for ch in 0..<c { d[ch] = u[ch] * inv }
                        d += c
                    }
                }
            }
        }
        return LayerGradients(inputs: [dx])
    }
}
