// `maximize --method fourier` (Olah et al., "Feature Visualization", Distill 2017): gradient ascent
// with Adam on the spectrum of a FourierImage (decorrelated colour, scaled Fourier basis, sigmoid),
// through a fresh RobustnessWarp each step (seeded), then the model's preprocessing (affine per
// channel, probed from the mode), then the model. The image is rendered at (Hs, Ws) (Lucid's 128,
// the model's aspect, never above its input) and the warp stretches it, with Lucid's margin, over
// the model's (H, W). The gradient flows back the same way:
//   spectrum → rgb (Hs, Ws, 3) ∈ (0, 1) → warp → (H, W, 3) → 255·rgb → preprocess → model → objective
//   dspectrum ← rgbAdjoint ← warp.adjoint ← 255·Mᵀ ← ∂objective/∂x
import Foundation
import Graph
import Imaging
import Tensor

/// The model's preprocessing as the affine map x[c] = Σ_j M[c][j]·pixel[j] + b[c] (pixels in [0, 255]).
struct PixelAffine {
    let matrix: [[Double]]
    let offset: [Double]

    /// Probes `mode` with black and the three primaries; nil when it is not affine per pixel.
    init?(_ mode: Preprocessing) {
        func probe(_ rgb: [Float]) -> [Double] {
            mode.tensor(from: [Image(width: 1, height: 1, channels: 3, pixels: rgb)]).data.map(Double.init)
        }
        let b = probe([0, 0, 0])
        var m = [[Double]](repeating: [0, 0, 0], count: 3)
        for j in 0..<3 {
            var e: [Float] = [0, 0, 0]; e[j] = 255
            let y = probe(e)
            var half: [Float] = [0, 0, 0]; half[j] = 127.5
            let z = probe(half)
            for c in 0..<3 {
                m[c][j] = (y[c] - b[c]) / 255
                guard abs((z[c] - b[c]) - m[c][j] * 127.5) <= 1e-3 * (1 + abs(y[c])) else { return nil }
            }
        }
        matrix = m; offset = b
    }

    /// Forward: (H, W, 3) pixels → (1, H, W, 3) model input.
    func apply(_ pixels: [Double], height: Int, width: Int) -> Tensor {
        var out = [Float](repeating: 0, count: pixels.count)
        for p in 0..<(pixels.count / 3) {
            for c in 0..<3 {
                out[p * 3 + c] = Float(matrix[c][0] * pixels[p * 3] + matrix[c][1] * pixels[p * 3 + 1] + matrix[c][2] * pixels[p * 3 + 2] + offset[c])
            }
        }
        return Tensor(shape: [1, height, width, 3], data: out)
    }

    /// Backward: dL/dinput (1, H, W, 3) → dL/dpixels = Mᵀ·g.
    func adjoint(_ g: Tensor) -> [Double] {
        var out = [Double](repeating: 0, count: g.count)
        for p in 0..<(g.count / 3) {
            for j in 0..<3 {
                out[p * 3 + j] = (0..<3).reduce(0.0) { $0 + matrix[$1][j] * Double(g.data[p * 3 + $1]) }
            }
        }
        return out
    }
}

extension ActivationMaximizer {
    /// The rendered image's size for an (H, W) input: the longer side `renderSize`, capped at the input, same aspect.
    public static func renderSize(_ longer: Int, input h: Int, _ w: Int) -> (height: Int, width: Int) {
        let side = min(max(longer, 1), max(h, w))
        if side == max(h, w) { return (h, w) }
        let r = Double(side) / Double(max(h, w))
        return (max(1, Int((Double(h) * r).rounded())), max(1, Int((Double(w) * r).rounded())))
    }

    /// Runs the Fourier-parameterised ascent; returns the final image in model input space (unwarped, the
    /// render resized bilinearly to the input).
    public func runFourier(settings: MaximizationSettings, mode: Preprocessing,
                           progress: (MaximizationStep) -> Void = { _ in }) throws -> (image: Tensor, steps: [MaximizationStep]) {
        try check(.fourier)
        guard let pre = PixelAffine(mode) else {
            throw GraphError.badInput("--method fourier needs a preprocessing that is affine per pixel; \(mode.rawValue) is not")
        }
        let (h, w) = (inputShape[0], inputShape[1])
        let r = Self.renderSize(settings.renderSize, input: h, w)
        let zoom = RobustnessWarp.lucidZoom(rendered: r, input: (h, w))
        var image = FourierImage(height: r.height, width: r.width, seed: settings.seed, decay: Double(settings.frequencyDecay))
        var rng = SeededRandom(seed: settings.seed &+ 0xF0_0F)
        var adam = AdamAscent(count: image.spectrum.count, learningRate: Double(settings.stepSize))
        var history: [MaximizationStep] = []
        for step in 0..<settings.steps {
            let rgb = image.rgb()                                                           // (Hs, Ws, 3) ∈ (0, 1)
            let warp = RobustnessWarp.random(jitter: settings.jitter, maxDegrees: settings.rotationDegrees, zoom: zoom, using: &rng)
            let warped = warp.apply(rgb, from: r, to: (h, w), channels: 3)                  // (H, W, 3)
            let x = pre.apply(warped.map { $0 * 255 }, height: h, width: w)                // (1, H, W, 3)
            let (value, g) = try objectiveAndGradient(x)
            let dWarped = pre.adjoint(g).map { $0 * 255 }
            let dRGB = warp.adjoint(dWarped, from: r, to: (h, w), channels: 3)
            adam.ascend(&image.spectrum, gradient: image.rgbAdjoint(dRGB, rgb: rgb))
            let rec = MaximizationStep(step: step, octave: 0, objective: value)
            history.append(rec)
            progress(rec)
        }
        let rendered = Tensor(shape: [1, r.height, r.width, 3], data: image.rgb().map { Float($0 * 255) })
        let shown = Resample.bilinear(rendered, height: h, width: w).data.map(Double.init)
        return (pre.apply(shown, height: h, width: w), history)
    }
}

/// Adam as TensorFlow's (Lucid's `tf.train.AdamOptimizer`, Keras' `Adam`; β1 0.9, β2 0.999, ε 1e−8) climbing, on
/// float64 parameters: α_t = lr·√(1 − β2^t)/(1 − β1^t), θ ← θ + α_t·m/(√v + ε) — ε on √v, not on √v̂ as Kingma & Ba.
struct AdamAscent {
    var m: [Double], v: [Double], t = 0
    let learningRate: Double, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    init(count: Int, learningRate: Double) {
        m = [Double](repeating: 0, count: count); v = m; self.learningRate = learningRate
    }

    mutating func ascend(_ theta: inout [Double], gradient g: [Double]) {
        t += 1
        let alpha = learningRate * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
        for i in theta.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            theta[i] += alpha * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
