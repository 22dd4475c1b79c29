// The image parameterisation of Olah, Mordvintsev & Schubert, "Feature Visualization",
// Distill 2017 (and Lucid's `image` with fft=True, decorrelate=True, sigmoid=True):
//   spectrum (a + ib)[c, ky, kx], kx < W/2 + 1   — the optimised parameter, Lucid's init N(0, 0.01²)
//   t[c, y, x]  = irfft2(scale · (a + ib)) / 4  — numpy's irfft2 semantics (written out below)
//   scale[ky, kx] = √(H·W) / max(√(fy² + fx²), 1 / max(H, W))^decay, fy = fftfreq(H)[ky], fx = kx / W
//   rgb_lin[i]  = Σ_j Cn[i][j] · t[j]           — Cn = Lucid's colour-correlation √ (SVD) / its largest column norm
//   rgb         = sigmoid(rgb_lin) ∈ (0, 1)
// The irfft2 written out: with θ = 2π(ky·y/H + kx·x/W) and m = 1 for kx = 0 and the Nyquist column
// (kx = W/2, even W), else 2:  t[y, x] = 1/(H·W) Σ_ky Σ_kx m · (a cos θ − b sin θ) · scale / 4.
// Computed separably: first over ky (P + iQ = Σ_ky s·(a + ib)·e^{2πi ky y/H}), then over kx.
// Everything is float64; forward and backward side by side.
import Foundation
import Tensor

/// A 3-channel image parameterised by a scaled Fourier spectrum in a decorrelated colour space.
public struct FourierImage: Sendable {
    public let height: Int
    public let width: Int
    /// Columns of the half spectrum: W/2 + 1.
    public var columns: Int { width / 2 + 1 }
    /// Spectrum layout: [part (0 = real, 1 = imaginary)][channel][ky][kx], count 2·3·H·(W/2+1).
    public var spectrum: [Double]
    /// Per-frequency scale [ky][kx] (including √(H·W) and Lucid's 1/4).
    public let scale: [Double]

    /// Lucid's colour-correlation square root (ImageNet RGB, from an SVD): rows are output channels.
    public static let colorCorrelationSVDSqrt: [[Double]] = [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]
    /// `colorCorrelationSVDSqrt` divided by its largest column norm (Lucid's `color_correlation_normalized`).
    public static let colorMatrix: [[Double]] = {
        let m = colorCorrelationSVDSqrt
        let norms = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + m[$1][j] * m[$1][j] }.squareRoot() }
        let top = norms.max()!
        return m.map { $0.map { $0 / top } }
    }()

    /// A random start: spectrum ~ N(0, sd²) (Lucid: sd 0.01), frequency decay `decay` (Lucid: 1).
    public init(height: Int, width: Int, seed: UInt64, sd: Double = 0.01, decay: Double = 1) {
        self.height = height; self.width = width
        let wf = width / 2 + 1
        var s = [Double](repeating: 0, count: height * wf)
        let floor = 1 / Double(max(height, width))
        for ky in 0..<height {
            let fy = Double(ky < (height + 1) / 2 ? ky : ky - height) / Double(height)   // numpy fftfreq
            for kx in 0..<wf {
                let fx = Double(kx) / Double(width)
                s[ky * wf + kx] = (Double(height * width)).squareRoot() / pow(max((fy * fy + fx * fx).squareRoot(), floor), decay) / 4
            }
        }
        scale = s
        var rng = SeededRandom(seed: seed)
        spectrum = (0..<(2 * 3 * height * wf)).map { _ in Double(rng.normal()) * sd }
    }

    /// Angle tables cos/sin(2π k n / N), [k][n].
    private static func twiddles(_ n: Int, _ k: Int) -> (cos: [Double], sin: [Double]) {
        var c = [Double](repeating: 0, count: k * n), s = c
        for a in 0..<k { for b in 0..<n { let t = 2 * Double.pi * Double((a * b) % n) / Double(n); c[a * n + b] = cos(t); s[a * n + b] = sin(t) } }
        return (c, s)
    }

    /// Multiplicity of column kx in the real inverse transform.
    private func multiplicity(_ kx: Int) -> Double { kx == 0 || (width % 2 == 0 && kx == width / 2) ? 1 : 2 }

    /// Forward: spectrum → t (3, H, W), channel-major, before the colour matrix.
    func spatial() -> [Double] {
        let (h, w, wf) = (height, width, columns)
        let ty = Self.twiddles(h, h), tx = Self.twiddles(w, wf)
        var t = [Double](repeating: 0, count: 3 * h * w)
        var p = [Double](repeating: 0, count: h * wf), q = p
        for c in 0..<3 {
            // P + iQ [y][kx] = Σ_ky s·(a + ib)·(cos ψ + i sin ψ), ψ = 2π ky y / H
            for i in p.indices { p[i] = 0; q[i] = 0 }
            for ky in 0..<h {
                for kx in 0..<wf {
                    let sa = scale[ky * wf + kx] * spectrum[(c * h + ky) * wf + kx]
                    let sb = scale[ky * wf + kx] * spectrum[((3 + c) * h + ky) * wf + kx]
                    if sa == 0 && sb == 0 { continue }
                    for y in 0..<h {
                        let co = ty.cos[ky * h + y], si = ty.sin[ky * h + y]
                        p[y * wf + kx] += sa * co - sb * si
                        q[y * wf + kx] += sa * si + sb * co
                    }
                }
            }
            // t[y][x] = 1/(HW) Σ_kx m·(P cos φ − Q sin φ), φ = 2π kx x / W
            let norm = 1 / Double(h * w)
            for y in 0..<h {
                for kx in 0..<wf {
                    let mp = multiplicity(kx) * norm * p[y * wf + kx], mq = multiplicity(kx) * norm * q[y * wf + kx]
                    for x in 0..<w { t[(c * h + y) * w + x] += mp * tx.cos[kx * w + x] - mq * tx.sin[kx * w + x] }
                }
            }
        }
        return t
    }

    /// Backward of `spatial`: dL/dt (3, H, W) → dL/dspectrum.
    func spatialAdjoint(_ g: [Double]) -> [Double] {
        let (h, w, wf) = (height, width, columns)
        let ty = Self.twiddles(h, h), tx = Self.twiddles(w, wf)
        var out = [Double](repeating: 0, count: spectrum.count)
        var dp = [Double](repeating: 0, count: h * wf), dq = dp
        let norm = 1 / Double(h * w)
        for c in 0..<3 {
            // dP[y][kx] = m/(HW) Σ_x g cos φ;  dQ = −m/(HW) Σ_x g sin φ
            for y in 0..<h {
                for kx in 0..<wf {
                    var sc = 0.0, ss = 0.0
                    for x in 0..<w { let gv = g[(c * h + y) * w + x]; sc += gv * tx.cos[kx * w + x]; ss += gv * tx.sin[kx * w + x] }
                    dp[y * wf + kx] = multiplicity(kx) * norm * sc
                    dq[y * wf + kx] = -multiplicity(kx) * norm * ss
                }
            }
            // d(s·a) = Σ_y dP cos ψ + dQ sin ψ;  d(s·b) = Σ_y −dP sin ψ + dQ cos ψ
            for ky in 0..<h {
                for kx in 0..<wf {
                    var da = 0.0, db = 0.0
                    for y in 0..<h {
                        let co = ty.cos[ky * h + y], si = ty.sin[ky * h + y]
                        da += dp[y * wf + kx] * co + dq[y * wf + kx] * si
                        db += -dp[y * wf + kx] * si + dq[y * wf + kx] * co
                    }
                    out[(c * h + ky) * wf + kx] = scale[ky * wf + kx] * da
                    out[((3 + c) * h + ky) * wf + kx] = scale[ky * wf + kx] * db
                }
            }
        }
        return out
    }

    /// Forward: the RGB image in (0, 1), (H, W, 3) row-major, and the pre-sigmoid values it came from.
    public func rgb() -> [Double] {
        let t = spatial(), hw = height * width, m = Self.colorMatrix
        var out = [Double](repeating: 0, count: hw * 3)
        for p in 0..<hw {
            for i in 0..<3 {
                let lin = m[i][0] * t[p] + m[i][1] * t[hw + p] + m[i][2] * t[2 * hw + p]
                out[p * 3 + i] = 1 / (1 + exp(-lin))
            }
        }
        return out
    }

    /// Backward of `rgb`: dL/drgb (H, W, 3) at `rgb` (its forward output) → dL/dspectrum.
    public func rgbAdjoint(_ g: [Double], rgb: [Double]) -> [Double] {
        let hw = height * width, m = Self.colorMatrix
        var dt = [Double](repeating: 0, count: 3 * hw)
        for p in 0..<hw {
            for i in 0..<3 {
                let s = rgb[p * 3 + i], dlin = g[p * 3 + i] * s * (1 - s)          // sigmoid' = s(1 − s)
                for j in 0..<3 { dt[j * hw + p] += m[i][j] * dlin }                // Cnᵀ
            }
        }
        return spatialAdjoint(dt)
    }
}
