import Tensor

/// Keras `AveragePooling2D`. With "same" padding TensorFlow averages over the window's
/// positions inside the image only (padding is not counted), so border windows divide by fewer.
public final class AveragePooling2D: Layer {
    public static let kerasClassNames = ["AveragePooling2D", "AvgPool2D"]
    public let name: String
    public var className = "AveragePooling2D"
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

    private func check(_ x: Tensor) throws -> ConvGeometry {
        guard let g = geometry, x.rank == 4, Array(x.shape.dropFirst()) == [g.inH, g.inW, g.channels] else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        return g
    }

    /// The window of output (oy, ox) clipped to the image: rows y0..<y1, columns x0..<x1.
    @inline(__always)
    private static func window(_ g: ConvGeometry, _ oy: Int, _ ox: Int) -> (Int, Int, Int, Int) {
        let y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft
        return (max(y0, 0), min(y0 + g.kH, g.inH), max(x0, 0), min(x0 + g.kW, g.inW))
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                     // (N, H, W, C)
        let g = try check(x)
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

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let g = try check(x)
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
        return LayerGradients(inputs: [dx])
    }
}
