import FastKernels
import Tensor

/// Keras `MaxPooling2D`. Forward records the argmax of every window (the "switches");
/// backward routes each upstream value to its switch — plain gradient and DeconvNet unpooling alike.
public typealias MaxPooling2D = Pooling<WindowMaximum, Spatial2D>

public enum WindowMaximum: PoolingOperation {
    public static let kerasClassStems = ["MaxPooling", "MaxPool"]
    public static let fastKind: FastPooling.Kind? = .maximum

    public static func forward(_ x: Tensor, _ g: ConvGeometry, tape: Tape?) -> Tensor {
        let n = x.batch, c = g.channels
        var y = Tensor(uninitialized: [n, g.outH, g.outW, c])                  // (N, outH, outW, C), every value written
        var switches = [Int32](unsafeUninitializedCapacity: tape == nil ? 0 : y.count) { _, k in k = tape == nil ? 0 : y.count }
        let record = tape != nil
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                switches.withUnsafeMutableBufferPointer { sp in
                    parallelFor(n * g.outH) { row in
                        let b = row / g.outH, oy = row % g.outH
                        let base = b * g.inH * g.inW * c
                        for ox in 0..<g.outW {
                            let o = ((b * g.outH + oy) * g.outW + ox) * c
                            for ch in 0..<c {
                                var best = -Float.infinity, arg = -1
                                for ky in 0..<g.kH {
                                    let iy = oy * g.strideH - g.padTop + ky
                                    if iy < 0 || iy >= g.inH { continue }
                                    for kx in 0..<g.kW {
                                        let ix = ox * g.strideW - g.padLeft + kx
                                        if ix < 0 || ix >= g.inW { continue }
                                        let i = base + (iy * g.inW + ix) * c + ch
                                        if xp[i] > best || arg < 0 { best = xp[i]; arg = i }
                                    }
                                }
                                yp[o + ch] = best
                                if record { sp[o + ch] = Int32(arg) }
                            }
                        }
                    }
                }
            }
        }
        tape?.indices = switches
        return y
    }

    public static func backward(_ upstream: Tensor, _ g: ConvGeometry, tape: Tape) -> Tensor {
        unpoolToSwitches(upstream, inputShape: tape.inputs[0].shape, tape: tape)   // (N, H, W, C)
    }
}
