import FastKernels
import Tensor

/// Keras `AveragePooling2D`. With "same" padding TensorFlow averages over the window's
/// positions inside the image only (padding is not counted), so border windows divide by fewer.
public typealias AveragePooling2D = Pooling<WindowMean, Spatial2D>

public enum WindowMean: PoolingOperation {
    public static let kerasClassStems = ["AveragePooling", "AvgPool"]
    public static let fastKind: FastPooling.Kind? = .average

    /// The window of output (oy, ox) clipped to the image: rows y0..<y1, columns x0..<x1.
    @inline(__always)
    static func window(_ g: ConvGeometry, _ oy: Int, _ ox: Int) -> (Int, Int, Int, Int) {
        let y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft
        return (max(y0, 0), min(y0 + g.kH, g.inH), max(x0, 0), min(x0 + g.kW, g.inW))
    }

    public static func forward(_ x: Tensor, _ g: ConvGeometry, tape: Tape?) -> Tensor {
        let n = x.batch, c = g.channels
        var y = Tensor(zeros: [n, g.outH, g.outW, c])                          // (N, outH, outW, C)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                let xb = xp.baseAddress!, yb = yp.baseAddress!
                parallelFor(n * g.outH) { row in
                    let b = row / g.outH, oy = row % g.outH
                    let xi = xb + b * g.inH * g.inW * c
                    for ox in 0..<g.outW {
                        let (y0, y1, x0, x1) = Self.window(g, oy, ox)
                        let o = yb + ((b * g.outH + oy) * g.outW + ox) * c
                        for iy in y0..<y1 {
                            for ix in x0..<x1 {
                                let src = xi + (iy * g.inW + ix) * c
                                for ch in 0..<c { o[ch] += src[ch] }
                            }
                        }
                        let inv = 1 / Float((y1 - y0) * (x1 - x0))
                        for ch in 0..<c { o[ch] *= inv }
                    }
                }
            }
        }
        return y
    }

    public static func backward(_ upstream: Tensor, _ g: ConvGeometry, tape: Tape) -> Tensor {
        let x = tape.inputs[0]
        let n = x.batch, c = g.channels
        var dx = Tensor(zeros: x.shape)                                        // (N, H, W, C)
        upstream.data.withUnsafeBufferPointer { up in
            dx.data.withUnsafeMutableBufferPointer { dp in
                let ub = up.baseAddress!, db = dp.baseAddress!
                // One image per task: windows of one image overlap, images do not.
                parallelFor(n) { b in
                    let di = db + b * g.inH * g.inW * c
                    for oy in 0..<g.outH {
                        for ox in 0..<g.outW {
                            let (y0, y1, x0, x1) = Self.window(g, oy, ox)
                            let u = ub + ((b * g.outH + oy) * g.outW + ox) * c
                            let inv = 1 / Float((y1 - y0) * (x1 - x0))
                            for iy in y0..<y1 {
                                for ix in x0..<x1 {
                                    let d = di + (iy * g.inW + ix) * c
                                    for ch in 0..<c { d[ch] += u[ch] * inv }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
