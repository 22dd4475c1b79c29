import Tensor

/// Keras `GlobalMaxPooling2D`: max over height and width; (N, C), or (N, 1, 1, C) with `keepdims`.
/// Backward routes each gradient to the position of the maximum (the first one on ties).
public final class GlobalMaxPooling2D: Layer {
    public static let kerasClassNames = ["GlobalMaxPooling2D", "GlobalMaxPool2D"]
    public let name: String
    public var className = "GlobalMaxPooling2D"
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
        var y = Tensor(repeating: -Float.infinity, shape: keepdims ? [n, 1, 1, c] : [n, c])   // (N, C) or (N, 1, 1, C)
        var arg = [Int32](repeating: -1, count: n * c)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                arg.withUnsafeMutableBufferPointer { ap in
                    for b in 0..<n {
                        for p in 0..<hw {
                            let i = (b * hw + p) * c
                            for ch in 0..<c where xp[i + ch] > yp[b * c + ch] || ap[b * c + ch] < 0 {
                                yp[b * c + ch] = xp[i + ch]
                                ap[b * c + ch] = Int32(i + ch)
                            }
                        }
                    }
                }
            }
        }
        tape?.indices = arg
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var dx = Tensor(zeros: tape.inputs[0].shape)                          // (N, H, W, C)
        dx.data.withUnsafeMutableBufferPointer { dp in
            upstream.data.withUnsafeBufferPointer { up in
                for (o, i) in tape.indices.enumerated() { dp[Int(i)] += up[o] }
            }
        }
        return LayerGradients(inputs: [dx])
    }
}
