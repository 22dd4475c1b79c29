import Tensor

/// Keras `MaxPooling2D`. Forward records the argmax of every window (the "switches");
/// backward routes each upstream value to its switch — plain gradient and DeconvNet unpooling alike.
public final class MaxPooling2D: Layer {
    public static let kerasClassNames = ["MaxPooling2D", "MaxPool2D"]
    public let name: String
    public var className = "MaxPooling2D"
    public let config: JSON
    public var weights: [WeightVariable] = []
    let pool: [Int]
    let strides: [Int]
    let padding: ConvGeometry.Padding
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        (pool, strides) = try c.poolingWindow()
        padding = try c.padding()
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else {
            throw LayerError(name, "expects one (height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let g = ConvGeometry(inH: s[0], inW: s[1], channels: s[2], kH: pool[0], kW: pool[1],
                             strideH: strides[0], strideW: strides[1], padding: padding)
        guard g.outH > 0, g.outW > 0 else { throw LayerError(name, "input \(s) is smaller than the pool \(pool)") }
        geometry = g
        return [g.outH, g.outW, s[2]]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        guard let g = geometry, x.rank == 4, Array(x.shape.dropFirst()) == [g.inH, g.inW, g.channels] else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        let n = x.batch, c = g.channels
        var y = Tensor(zeros: [n, g.outH, g.outW, c])                          // (N, outH, outW, C)
        var switches = [Int32](repeating: 0, count: tape == nil ? 0 : y.count)
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

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        var dx = Tensor(zeros: tape.inputs[0].shape)                           // (N, H, W, C)
        dx.data.withUnsafeMutableBufferPointer { dp in
            upstream.data.withUnsafeBufferPointer { up in
                for (o, i) in tape.indices.enumerated() { dp[Int(i)] += up[o] }  // unpool to the switches
            }
        }
        return LayerGradients(inputs: [dx])
    }
}
