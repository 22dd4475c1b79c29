import ArgumentParser
import Foundation
import Commands
import Graph
import Visualize

struct DeconvCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "deconv",
        abstract: "Project feature maps back to pixels (DeconvNet, guided backprop or gradient), as the paper's Figures 2 and 3.",
        discussion: """
        By default, for each convolutional and pooling layer in depth order, the feature map with the largest mean
        activation is projected. Each projection is written as PNG (min-max normalised over all its pixels and
        channels) and .npy (raw), with montage.png: the input, then one projection per layer.
        With --dataset DIR: the top N activations of one map over a folder, each projection beside its image patch.
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Image (PNG/JPEG) or .npy tensor (not with --dataset).") var image: String?
    @Option(name: .customLong("layer"), help: "Layers to project (repeatable).") var layers: [String] = []
    @Flag(help: "Every layer with a spatial output, not only convolutions and poolings.") var allLayers = false
    @Option(help: "Project this channel.") var channel: Int?
    @Flag(help: "Project the strongest channel (the default).") var strongest = false
    @Option(help: "Project the N strongest channels per layer (or, with --dataset, the N strongest images).") var top: Int?
    @Option(help: "Backward rule.") var rule: BackwardRule = .deconvnet
    @Option(help: "Start from the map's activations (Zeiler & Fergus) or from ones (gradient of its sum).") var seed: ProjectionSeed = .activation
    @Option(help: "Folder of images for the top-N view.") var dataset: String?
    @Option(help: "Output folder.") var out = "deconv"
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON (Schemas/deconv.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if dataset == nil && image == nil { throw ValidationError("give an IMAGE, or --dataset DIR with --layer and --channel") }
        if dataset != nil && (layers.count != 1 || channel == nil) { throw ValidationError("--dataset needs one --layer and a --channel") }
        if [channel != nil, strongest, top != nil && dataset == nil].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --channel, --strongest, --top")
        }
    }

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            if let dataset {
                let rep = try Deconv.dataset(model: m, folder: dataset, options: try imageOptions.options(), layer: layers[0],
                                             channel: channel!, top: top ?? 9, rule: rule, out: out)
                if json { print(try JSONOutput.string(rep)); return }
                print("\(rep.layer) channel \(rep.channel): top \(rep.top.count) of \(rep.images) images")
                for t in rep.top { print(String(format: "  #%d  %.4f  %@ at (%d, %d)", t.rank, t.activation, t.image, t.y, t.x)) }
                print("grid: \(rep.grid)")
                return
            }
            let selection: FeatureSelection = channel.map { .channel($0) } ?? top.map { .top($0) } ?? .strongest
            var chosen: [String]? = layers.isEmpty ? nil : layers
            if allLayers { chosen = m.graph.nodes.filter { $0.outputShape.count == 3 && !($0.layer is InputLayer) }.map(\.name) }
            let rep = try Deconv.run(model: m, input: image!, options: try imageOptions.options(), layers: chosen,
                                     selection: selection, rule: rule, seed: seed, out: out)
            if json { print(try JSONOutput.string(rep)); return }
            for p in rep.projections { print(String(format: "%-24@ channel %4d  mean activation %10.4f  %@", p.layer as NSString, p.channel, p.meanActivation, p.png as NSString)) }
            print("montage: \(rep.montage)")
        }
    }
}

struct SaliencyCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "saliency",
        abstract: "Class saliency: gradient of the pre-softmax score, guided backprop, Grad-CAM, and the attribution methods of issue 18.",
        discussion: """
        integrated-gradients: (x - x0) * (1/N) sum_k d score/dx at x0 + (k/N)(x - x0), k = 1..N; the .npy holds the
        (H, W, C) attribution. smoothgrad / vargrad: mean / variance of d score/dx over --samples copies with Gaussian
        noise, sigma = --noise * (max x - min x), (H, W, C). gradcam++ and scorecam: (h, w) at the layer's
        resolution like Grad-CAM, upsampled in the PNG. Every score is the pre-softmax logit (Score-CAM's weights
        are softmax probabilities, as its definition says).
        """)

    @OptionGroup var inputs: OneInputArguments
    @Option(name: .customLong("class"), help: "Class index (default: the top class).") var classIndex: Int?
    @Flag(help: "Use the top-scoring class (the default).") var topClass = false
    @Option(help: "Attribution method: gradient of the pre-softmax score, guided backprop, Grad-CAM, Grad-CAM++, Score-CAM, Integrated Gradients, SmoothGrad or VarGrad.") var method: SaliencyMapper.Method = .gradient
    @Option(help: "Layer for Grad-CAM, Grad-CAM++ and Score-CAM (default: the last spatial layer).") var layer: String?
    @Option(help: "Integrated Gradients: steps (default 32).") var steps: Int?
    @Option(help: "Integrated Gradients: baseline (default zeros; uniform: uniform in [min x, max x], seeded).") var baseline: IntegratedGradientsBaseline?
    @OptionGroup var noise: NoiseOptions
    @Flag(help: "Draw the heat map over the image.") var overlay = false
    @Option(help: "Output PNG file or folder.") var out = "saliency"
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON (Schemas/saliency.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if topClass && classIndex != nil { throw ValidationError("give --class or --top-class, not both") }
        _ = try noise.settings(methods: [method], steps: steps, baseline: baseline)
    }

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(inputs.model)
            let r = try Saliency.run(model: m, input: inputs.image, named: inputs.namedInputs, options: try imageOptions.options(), classIndex: classIndex,
                                     method: method, layer: layer, settings: try noise.settings(methods: [method], steps: steps, baseline: baseline),
                                     overlay: overlay, quiet: json, out: out)
            let files = r.inputs.map { $0.map { "\n  \($0.name): \($0.png)" }.joined() } ?? r.png
            print(json ? try JSONOutput.string(r) : "\(r.method) saliency for class \(r.classIndex)\(r.className.map { " (\($0))" } ?? "") score \(r.score)\(r.layer.map { " at \($0)" } ?? ""): \(files)")
        }
    }
}

struct MaximizeCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "maximize",
        abstract: "Activation maximization: the paper's Algorithm 1, or a regularised version that removes its high-frequency patterns.",
        discussion: """
        --method paper reproduces Algorithm 1: objective = a class's pre-softmax score (never the softmax), or the mean
        activation of a channel; gradient divided by its root mean square + 1e-5; x += step * gradient; 20 steps from
        uniform noise in [0, 1) + 100. The authors' code indexed feature maps on the wrong axis (a row, not the
        channel); ConvScope maximizes the channel. --method regularized adds jitter, L2 decay, periodic Gaussian blur,
        clipping to the valid pixel range, and octaves. --method fourier (Olah et al. 2017) optimises, with Adam
        (--step-size, default 0.05), a Fourier spectrum scaled by 1/max(frequency, 1/size)^--frequency-decay in a
        decorrelated colour space through a sigmoid, and each step sees the image randomly jittered (--jitter,
        default 8 px), scaled (0.9 to 1.1) and rotated (--rotation, default 10 degrees); the image is rendered at
        --render-size (default 128 px on its longer side, as Lucid) and each step stretches it, with Lucid's 12 px
        of grey margin, over the model's input; a channel is read before its layer's activation (the pre-ReLU
        value, as Lucid; --no-pre-activation reads the layer's output); use a few hundred steps (Lucid: 512).
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Option(name: .customLong("class"), parsing: .upToNextOption, help: "Class indices to maximize.") var classes: [Int] = []
    @Option(help: "Layer whose channels to maximize.") var layer: String?
    @Option(parsing: .upToNextOption, help: "Channels of --layer.") var channel: [Int] = []
    @Option(help: "Steps.") var steps = 20
    @Option(help: "Step size (default 1.0 for paper, 2% of the valid input range for regularized, Adam learning rate 0.05 for fourier).") var stepSize: Float?
    @Option(name: .customLong("init"), help: "noise, zeros, an image file, or a .npy tensor in model input space.") var initial: Maximize.Start = .noise
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "The paper's Algorithm 1, regularized, or fourier.") var method: MaximizationSettings.Method = .paper
    @Option(help: "Jitter in pixels (regularized, fourier).") var jitter: Int?
    @Option(help: "Largest random rotation in degrees (fourier).") var rotation: Int?
    @Option(help: "Frequency decay of the spectrum scale (fourier).") var frequencyDecay: Float?
    @Option(help: "Longer side of the rendered image in pixels, at most the model's input (fourier; default 128).") var renderSize: Int?
    @Flag(inversion: .prefixedNo, help: "Maximize a channel before its layer's activation (default: on for fourier, off otherwise).")
    var preActivation: Bool?
    @Option(help: "Gaussian blur sigma (regularized).") var blur: Float?
    @Option(help: "Blur every N steps.") var blurEvery = 4
    @Option(help: "L2 decay per step (regularized).") var decay: Float?
    @Option(help: "Octaves (regularized).") var octaves: Int?
    @Option(help: "Scale between octaves.") var octaveScale: Float = 1.4
    @Flag(help: "Clip pixels to the valid range after each step.") var clip = false
    @Option(help: "Class objective: the pre-softmax score (the paper's) or the softmax probability.") var objective: MaximizeObjective = .logit
    @Option(help: "Output PNG (one target) or folder.") var out = "maximize"
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON with the objective per step (Schemas/maximize.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if classes.isEmpty == (layer == nil) { throw ValidationError("give --class C... or --layer NAME --channel K...") }
        if layer != nil && channel.isEmpty { throw ValidationError("--layer needs --channel") }
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        if let jitter, jitter < 0 { throw ValidationError("--jitter \(jitter): must be 0 or more") }
        if let rotation, !(0...180).contains(rotation) { throw ValidationError("--rotation \(rotation): must be 0 to 180 degrees") }
        if let frequencyDecay, !(frequencyDecay >= 0 && frequencyDecay.isFinite) { throw ValidationError("--frequency-decay \(frequencyDecay): must be 0 or more") }
        if let renderSize, renderSize < 1 { throw ValidationError("--render-size \(renderSize): must be positive") }
    }

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            var s = MaximizationSettings()
            s.method = method
            s.steps = steps
            s.seed = seed
            if s.method == .regularized {
                let preset = MaximizationSettings.regularized
                s.jitter = jitter ?? preset.jitter
                s.blurSigma = blur ?? preset.blurSigma
                s.blurEvery = blurEvery
                s.decay = decay ?? preset.decay
                s.octaves = octaves ?? preset.octaves
                s.octaveScale = octaveScale
            }
            if s.method == .fourier {
                let preset = MaximizationSettings.fourier
                s.jitter = jitter ?? preset.jitter
                s.rotationDegrees = rotation ?? preset.rotationDegrees
                s.frequencyDecay = frequencyDecay ?? preset.frequencyDecay
                s.renderSize = renderSize ?? preset.renderSize
            }
            s.preActivation = preActivation ?? (s.method == .fourier ? MaximizationSettings.fourier.preActivation : false)
            let options = try imageOptions.options()
            let range = ActivationMaximizer.validRange(options.mode(for: m))
            s.stepSize = stepSize ?? (s.method == .paper ? 1.0 : s.method == .fourier ? MaximizationSettings.fourier.stepSize
                                      : 0.02 * (range.upperBound - range.lowerBound))
            if clip { s.clip = range }
            let targets: [MaximizationTarget] = layer.map { l in channel.map { .channel(layer: l, channel: $0) } }
                ?? classes.map { .classScore($0, probability: objective == .probability) }
            let r = try Maximize.run(model: m, targets: targets, settings: s, start: initial, options: options, out: out)
            if json { print(try JSONOutput.string(r)); return }
            for run in r.runs {
                print(String(format: "%@: objective %.4f → %.4f  %@", run.label as NSString, run.objectives.first ?? 0, run.objectives.last ?? 0, run.png as NSString))
            }
            if let g = r.grid { print("grid: \(g)") }
        }
    }
}
