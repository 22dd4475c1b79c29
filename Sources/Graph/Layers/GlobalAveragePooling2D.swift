import Tensor

/// Keras `GlobalAveragePooling2D`: mean over height and width; (N, C), or (N, 1, 1, C) with `keepdims`.
public typealias GlobalAveragePooling2D = GlobalPooling<GlobalMean, Spatial2D>

public enum GlobalMean: GlobalPoolingOperation {
    public static let kerasClassStems = ["GlobalAveragePooling", "GlobalAvgPool"]
    public static let honoursStepMask = true

    public static func forward(_ x: Tensor, tape: Tape?) -> Tensor {
        let n = x.batch, hw = x.shape[1] * x.shape[2], c = x.shape[3]
        var y = Tensor(zeros: [n, c])                                         // (N, C)
        let inv = 1 / Float(hw)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    let o = yp.baseAddress! + b * c
                    var src = xp.baseAddress! + b * hw * c
                    for _ in 0..<hw {
                        for ch in 0..<c { o[ch] += src[ch] }
                        src += c
                    }
                    for ch in 0..<c { o[ch] *= inv }
                }
            }
        }
        return y
    }

    public static func backward(_ upstream: Tensor, inputShape shape: [Int], tape: Tape) -> Tensor {
        let n = shape[0], hw = shape[1] * shape[2], c = shape[3]
        var dx = Tensor(zeros: shape)                                         // (N, H, W, C)
        let inv = 1 / Float(hw)
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                for position in 0..<n * hw {                                  // every (b, y, x) gets sample b's mean gradient
                    let u = up.baseAddress! + (position / hw) * c, d = dp.baseAddress! + position * c
                    for ch in 0..<c { d[ch] = u[ch] * inv }
                }
            }
        }
        return dx
    }
}
