/// Naive, obviously-correct kernels that tests compare the fast ones against.
public enum ReferenceKernels {
    /// Direct 2-D cross-correlation: x (N, H, W, Cin), kernel (kh, kw, Cin, Cout) → (N, outH, outW, Cout).
    public static func conv2d(_ x: Tensor, kernel k: Tensor, geometry g: ConvGeometry) -> Tensor {
        let n = x.shape[0], cout = k.shape[3]
        var y = Tensor(zeros: [n, g.outH, g.outW, cout])
        for b in 0..<n { for oy in 0..<g.outH { for ox in 0..<g.outW { for o in 0..<cout {
            var acc: Double = 0
            for ky in 0..<g.kH { for kx in 0..<g.kW {
                let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                guard iy >= 0, iy < g.inH, ix >= 0, ix < g.inW else { continue }
                for c in 0..<g.channels {
                    acc += Double(x.data[((b * g.inH + iy) * g.inW + ix) * g.channels + c]) *
                        Double(k.data[((ky * g.kW + kx) * g.channels + c) * cout + o])
                }
            } }
            y.data[((b * g.outH + oy) * g.outW + ox) * cout + o] = Float(acc)
        } } } }
        return y
    }

    /// Direct matrix product of row-major (m, k) and (k, n).
    public static func matmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var acc: Double = 0
            for p in 0..<k { acc += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(acc)
        } }
        return c
    }
}
