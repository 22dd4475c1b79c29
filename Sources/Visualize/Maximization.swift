import Foundation
import Graph
import Tensor

/// What activation maximization pushes up.
public enum MaximizationTarget: Equatable, Sendable {
    /// A class's pre-softmax score (the paper) or, with `probability`, its softmax output.
    case classScore(Int, probability: Bool)
    /// The mean activation of one channel of a layer.
    case channel(layer: String, channel: Int)

    public var isChannel: Bool { if case .channel = self { return true } else { return false } }
}

/// Settings of one maximization run.
public struct MaximizationSettings: Sendable {
    /// The paper's Algorithm 1, the regularised pixel ascent, or the Fourier parameterisation (FourierMaximization.swift).
    public enum Method: String, Codable, CaseIterable, Sendable { case paper, regularized, fourier }
    public var method: Method = .paper
    public var steps = 20
    public var stepSize: Float = 1.0
    public var seed: UInt64 = 0
    /// Random shift in pixels applied before each step and undone after (regularized).
    public var jitter = 0
    /// Gaussian blur σ applied every `blurEvery` steps (regularized; 0 = off).
    public var blurSigma: Float = 0
    public var blurEvery = 4
    /// L2 decay: x ← x · (1 − decay) each step (regularized).
    public var decay: Float = 0
    /// Number of octaves (regularized): optimise at smaller scales first, then upscale.
    public var octaves = 1
    public var octaveScale: Float = 1.4
    /// Clip pixels to this range (model input space) after each step.
    public var clip: ClosedRange<Float>?
    /// Largest random rotation in degrees (fourier).
    public var rotationDegrees = 10
    /// Spectrum scale 1 / max(frequency, 1/size)^frequencyDecay (fourier).
    public var frequencyDecay: Float = 1
    /// A channel's value before its layer's fused activation (fourier's default) instead of the layer's output.
    public var preActivation = false
    /// The longer side of the image the fourier method renders (Lucid: 128), capped at the model's input;
    /// each step shows it, with Lucid's 12-pixel margin, stretched over the model's input.
    public var renderSize = 128

    public init() {}

    /// `convscope maximize --method regularized` by default: jitter 4 px, Gaussian blur σ 0.5 every 4 steps,
    /// L2 decay 0.0005, 3 octaves 1.4 apart (the caller sets steps, step size and the clipping range).
    public static var regularized: MaximizationSettings {
        var s = MaximizationSettings()
        s.method = .regularized
        s.jitter = 4
        s.blurSigma = 0.5
        s.decay = 0.0005
        s.octaves = 3
        return s
    }

    /// `convscope maximize --method fourier` by default (Lucid's): Adam with learning rate 0.05 on the
    /// spectrum, jitter 8 px, rotation ±10°, scale 0.9…1.1, frequency decay 1, channels before their activation,
    /// a 128-pixel render (the caller sets steps).
    public static var fourier: MaximizationSettings {
        var s = MaximizationSettings()
        s.method = .fourier
        s.stepSize = 0.05
        s.preActivation = true
        s.jitter = 8                        // rotation ±10° and frequency decay 1 are the fields' defaults
        return s
    }

    /// The lighter preset of `convscope demo` and the study's `--maximize-method regularized` (small inputs):
    /// as `regularized` with half the jitter (2 px) and 2 octaves.
    public static var regularizedLight: MaximizationSettings {
        var s = regularized
        s.jitter = 2
        s.octaves = 2
        return s
    }
}

/// One step's record.
public struct MaximizationStep: Codable, Sendable {
    public let step: Int
    public let octave: Int
    public let objective: Double
}

/// Activation maximization by gradient ascent in pixel space: the paper's Algorithm 1
/// (Erhan et al.; Simonyan et al.), plus the regularisers that remove its high-frequency
/// patterns (jitter, blur, decay, octaves; Mordvintsev et al., Olah et al.).
///
/// Algorithm 1 as the authors ran it: g ← ∇x objective; g ← g / (√mean(g²) + 1e−5); x ← x + step · g.
/// The authors' code indexed the feature map on the wrong axis (a row of the map, not a channel);
/// ConvScope maximizes the channel.
public struct ActivationMaximizer {
    let graph: Graph
    let targetNode: Int
    let target: MaximizationTarget

    /// With `preActivation`, a channel target is read before the activation fused into its layer (Olah et al.
    /// maximise the pre-ReLU channel: after the ReLU, its gradient is zero wherever the channel is negative).
    public init(graph: Graph, target: MaximizationTarget, preActivation: Bool = false) throws {
        try graph.checkRunnable()
        self.target = target
        switch target {
        case .classScore(let c, let probability):
            let g = probability ? graph : try graph.logitGraph()
            let classes = g.nodes[g.outputNodes[0]].outputShape.last ?? 0
            guard c >= 0 && c < classes else {
                throw GraphError.badInput("class \(c) is out of range: the model has \(classes) outputs")
            }
            self.graph = g
            targetNode = g.outputNodes[0]
        case .channel(let layer, let k):
            let node = try graph.resolve(layer)
            let channels = graph.channelsLastShape(node.id).last ?? 0
            guard k >= 0 && k < channels else {
                throw GraphError.badInput("layer '\(node.name)' has \(channels) channels; channel \(k) is out of range")
            }
            self.graph = preActivation ? try graph.linearActivation(node.id) : graph
            targetNode = node.id
        }
    }

    /// The model's input shape (without batch).
    public var inputShape: [Int] { graph.nodes[graph.inputNodes[0]].outputShape }

    /// The paper's start: uniform noise in [0, 1) plus 100 (from the DeepDream tutorial the authors followed).
    public func paperStart(seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: [1] + inputShape)
        for i in t.data.indices { t.data[i] = rng.uniform() + 100 }
        return t
    }

    /// Objective and its gradient with respect to the input.
    public func objectiveAndGradient(_ x: Tensor) throws -> (Double, Tensor) {
        var ctx = ForwardContext()
        let pass = try graph.forward([x], targets: [targetNode], record: true, context: &ctx)
        let y = pass.value(targetNode)!
        var seed = Tensor(zeros: y.shape)
        let value: Double
        switch target {
        case .classScore(let c, _):
            value = Double(y.data[c])
            seed.data[c] = 1
        case .channel(_, let k):
            let yl = graph.channelsLastValue(y, node: targetNode)                   // (1, …, C) whatever the layout
            let ch = yl.shape.last!
            let n = yl.count / ch
            var s = 0.0
            for i in stride(from: k, to: yl.count, by: ch) { s += Double(yl.data[i]); seed.data[i] = 1 / Float(n) }
            value = s / Double(n)
            seed = graph.nodeLayout(seed.reshaped(yl.shape), node: targetNode)
        }
        let g = try graph.backward(seeds: [targetNode: seed], pass: pass, rule: .gradient).inputGradients[0]
        return (value, g)
    }

    /// Only an image can be jittered, blurred and rescaled: the regularized method needs one; Algorithm 1 ascends any input.
    public func check(_ method: MaximizationSettings.Method) throws {
        if method == .regularized && inputShape.count != 3 {
            throw GraphError.badInput("the regularized method jitters, blurs and rescales images; the model input has shape \(inputShape): use --method paper")
        }
        if method == .fourier && (inputShape.count != 3 || inputShape[2] != 3) {
            throw GraphError.badInput("the fourier method parameterises an RGB image; the model input has shape \(inputShape): use --method paper")
        }
    }

    /// Runs the ascent from `start`; `progress` is called after every step.
    public func run(from start: Tensor, settings: MaximizationSettings,
                    progress: (MaximizationStep) -> Void = { _ in }) throws -> (image: Tensor, steps: [MaximizationStep]) {
        guard Array(start.shape.dropFirst()) == inputShape, start.batch == 1 else {
            throw GraphError.badInput("start tensor has shape \(start.shape); the model takes (1, \(inputShape.map(String.init).joined(separator: ", ")))")
        }
        try check(settings.method)
        if settings.method == .fourier {
            throw GraphError.badInput("the fourier method optimises its own spectrum, not a start image: call runFourier")
        }
        let regularized = settings.method == .regularized
        let spatial = inputShape.count == 3
        var rng = SeededRandom(seed: settings.seed &+ 0x5EED)
        var history: [MaximizationStep] = []
        let octaves = regularized ? max(1, settings.octaves) : 1
        let (h, w) = spatial ? (inputShape[0], inputShape[1]) : (1, 1)
        // The optimised parameter: an image at the octave's scale, resized to the model's size to evaluate.
        var param = start
        var step = 0
        for octave in 0..<octaves {
            let scale = powf(settings.octaveScale, Float(octaves - 1 - octave))
            let oh = max(1, Int((Float(h) / scale).rounded())), ow = max(1, Int((Float(w) / scale).rounded()))
            if spatial { param = Resample.bilinear(param, height: oh, width: ow) }
            let steps = octave == octaves - 1 ? settings.steps - step : settings.steps / octaves
            for _ in 0..<max(steps, 0) {
                var (dy, dx) = (0, 0)
                if regularized && settings.jitter > 0 {
                    dy = Int.random(in: -settings.jitter...settings.jitter, using: &rng)
                    dx = Int.random(in: -settings.jitter...settings.jitter, using: &rng)
                    param = Resample.roll(param, dy: dy, dx: dx)
                }
                let input = (oh, ow) == (h, w) ? param : Resample.bilinear(param, height: h, width: w)
                let (value, gFull) = try objectiveAndGradient(input)
                var g = (oh, ow) == (h, w) ? gFull : Resample.bilinearAdjoint(gFull, height: oh, width: ow)
                let rms = (g.data.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(g.count, 1))).squareRoot()
                let scaleG = settings.stepSize / Float(rms + 1e-5)
                g.data.withUnsafeMutableBufferPointer { gp in for i in gp.indices { gp[i] *= scaleG } }
                param.add(g)
                if dy != 0 || dx != 0 { param = Resample.roll(param, dy: -dy, dx: -dx) }
                if regularized {
                    if settings.decay > 0 { param = param.map { $0 * (1 - settings.decay) } }
                    if settings.blurSigma > 0 && settings.blurEvery > 0 && (step + 1) % settings.blurEvery == 0 {
                        param = Resample.gaussianBlur(param, sigma: settings.blurSigma)
                    }
                }
                if let r = settings.clip { param = param.map { min(max($0, r.lowerBound), r.upperBound) } }
                let rec = MaximizationStep(step: step, octave: octave, objective: value)
                history.append(rec)
                progress(rec)
                step += 1
            }
        }
        let final = Array(param.shape.dropFirst()) == inputShape ? param : Resample.bilinear(param, height: h, width: w)
        return (final, history)
    }

    /// The authors' display transform (after Keras' `deprocess_image`): x ← (x − mean) / max(std, 1e−4) · 0.1 + 0.5,
    /// then clipped to [0, 1] (docs/paper-facts.md, "Activation maximization"; issue #6 says "min–max", which would cancel the 0.1 and 0.5).
    ///
    /// Fixed: this used to min–max rescale the standardised image instead of clipping it, which made the
    /// 0.1 / 0.5 steps void (the result was a plain min–max normalisation): one extreme pixel then
    /// squashed the rest of the image to a flat grey, unlike the paper's figures.
    public static func displayTransform(_ x: Tensor) -> Tensor {
        let n = Double(max(x.count, 1))
        let mean = x.sum() / n
        let std = (x.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        return x.map { Float(min(max((Double($0) - mean) / max(std, 1e-4) * 0.1 + 0.5, 0), 1)) }
    }
}
