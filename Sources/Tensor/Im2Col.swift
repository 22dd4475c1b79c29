/// im2col / col2im for one NHWC image: turns convolution into one matrix multiply.
///
/// cols[p, (ky·kW + kx)·C + c] = x[oy·sH − padTop + ky·dH, ox·sW − padLeft + kx·dW, c], p = oy·outW + ox,
/// zero outside the image. Row layout matches a Keras kernel (kh, kw, in, out) seen as (kh·kw·in) × out.
public enum Im2Col {
    /// x: inH·inW·C values of one image; cols: patches × patchSize.
    public static func forward(_ g: ConvGeometry, x: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>) {
        forward(g, x: x, cols: cols, rows: 0..<g.outH)
    }

    /// The output rows `rows` only: cols holds (rows.count · outW) × patchSize values, row `rows.lowerBound` first.
    public static func forward(_ g: ConvGeometry, x: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let c = g.channels
        parallelFor(rows.count, minPerThread: max(1, 2048 / max(1, g.outW * g.patchSize))) { r in
            let oy = rows.lowerBound + r
            for ox in 0..<g.outW {
                var dst = cols + (r * g.outW + ox) * g.patchSize
                for ky in 0..<g.kH {
                    let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                    for kx in 0..<g.kW {
                        let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                        if iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW {
                            dst.update(from: x + (iy * g.inW + ix) * c, count: c)
                        } else {
                            dst.update(repeating: 0, count: c)
                        }
                        dst += c
                    }
                }
            }
        }
    }

    /// Adjoint of `forward`: accumulates cols back into dx (which must start zeroed).
    public static func backward(_ g: ConvGeometry, cols: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        backward(g, cols: cols, rows: 0..<g.outH, dx: dx)
    }

    /// The output rows `rows` only (cols holds just those rows' patches, row `rows.lowerBound` first):
    /// accumulates into dx.
    public static func backward(_ g: ConvGeometry, cols: UnsafePointer<Float>, rows: Range<Int>, dx: UnsafeMutablePointer<Float>) {
        let c = g.channels
        // Serial over output rows: different rows write overlapping input rows.
        for oy in rows {
            for ox in 0..<g.outW {
                var src = cols + ((oy - rows.lowerBound) * g.outW + ox) * g.patchSize
                for ky in 0..<g.kH {
                    let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                    for kx in 0..<g.kW {
                        let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                        if iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW {
                            let d = dx + (iy * g.inW + ix) * c
                            for ch in 0..<c { d[ch] += src[ch] }
                        }
                        src += c
                    }
                }
            }
        }
    }

    /// True when im2col would copy the image unchanged (1×1 kernel, stride 1, no padding).
    public static func isIdentity(_ g: ConvGeometry) -> Bool {
        g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0
    }
}
