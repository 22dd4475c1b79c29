import Tensor

/// Keras `GlobalMaxPooling2D`: max over height and width; (N, C), or (N, 1, 1, C) with `keepdims`.
/// Backward routes each gradient to the position of the maximum (the first one on ties).
public typealias GlobalMaxPooling2D = GlobalPooling<GlobalMaximum, Spatial2D>

public enum GlobalMaximum: GlobalPoolingOperation {
    public static let kerasClassStems = ["GlobalMaxPooling", "GlobalMaxPool"]

    public static func forward(_ x: Tensor, tape: Tape?) -> Tensor {
        let n = x.batch, hw = x.shape[1] * x.shape[2], c = x.shape[3]
        var y = Tensor(repeating: -Float.infinity, shape: [n, c])             // (N, C)
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

    public static func backward(_ upstream: Tensor, inputShape: [Int], tape: Tape) -> Tensor {
        unpoolToSwitches(upstream, inputShape: inputShape, tape: tape)       // (N, H, W, C)
    }
}
