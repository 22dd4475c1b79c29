import Graph
import Tensor

/// The settings of the attribution methods that have any (Integrated Gradients, SmoothGrad, VarGrad).
public struct AttributionSettings: Sendable {
    /// Integrated Gradients: Riemann steps and the baseline.
    public var steps = 32
    public var baseline: IntegratedGradientsBaseline = .zeros
    /// SmoothGrad / VarGrad: noisy samples and σ as a fraction of the input's range.
    public var samples = 32
    public var noise: Float = 0.15
    /// Seeds the uniform baseline and the noise.
    public var seed: UInt64 = 0

    public init() {}
}

extension SaliencyMapper {
    /// Any method's raw map of class `c`, as `saliency` writes it: gradient (1, H, W, 1) max |gradient| over
    /// channels; guided (1, H, W, C); Integrated Gradients, SmoothGrad, VarGrad (H, W, C) in input space; the
    /// class activation maps (h, w) at `layer` (default the last spatial layer). `progress(done, total)` for the
    /// batched methods.
    public func attribution(_ image: Tensor, method: Method, classIndex c: Int, layer: String? = nil,
                            settings: AttributionSettings = .init(),
                            progress: ((Int, Int) -> Void)? = nil) throws -> (map: Tensor, layer: String?) {
        let (h, w, ch) = (image.shape[1], image.shape[2], image.shape[3])
        switch method {
        case .gradient:
            return (channelMaxAbs(try inputGradient(image, classIndex: c, rule: .gradient)), nil)
        case .guided:
            return (try inputGradient(image, classIndex: c, rule: .guided), nil)
        case .gradcam:
            let r = try gradCAM(image, classIndex: c, layer: layer)
            return (r.map, r.layer)
        case .gradcamPlusPlus:
            let r = try gradCAMPlusPlus(image, classIndex: c, layer: layer)
            return (r.map, r.layer)
        case .scorecam:
            let r = try scoreCAM(image, classIndex: c, layer: layer, progress: progress)
            return (r.map, r.layer)
        case .integratedGradients:
            let baseline = settings.baseline.tensor(like: image, seed: settings.seed)
            let a = try integratedGradients(image, baseline: baseline, classIndex: c, steps: settings.steps,
                                            progress: { progress?($0, settings.steps) })
            return (a.reshaped([h, w, ch]), nil)
        case .smoothgrad, .vargrad:
            let g = try noisyGradients(image, classIndex: c, samples: settings.samples, noise: settings.noise, seed: settings.seed,
                                       statistic: method == .smoothgrad ? .mean : .variance, progress: { progress?($0, settings.samples) })
            return (g.reshaped([h, w, ch]), nil)
        }
    }
}

/// (…, C) → (…, 1): the largest |value| over the last axis.
public func channelMaxAbs(_ g: Tensor) -> Tensor {
    let c = g.shape.last ?? 1
    var out = Tensor(zeros: Array(g.shape.dropLast()) + [1])
    for p in 0..<out.count {
        var m: Float = 0
        for k in 0..<c { m = max(m, abs(g.data[p * c + k])) }
        out.data[p] = m
    }
    return out
}
