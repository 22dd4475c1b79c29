import ArgumentParser
import Commands
import Foundation
import Visualize

/// SmoothGrad/VarGrad's options and the seed (shared by `saliency` and `faithfulness --methods`).
struct NoiseOptions: ParsableArguments {
    @Option(help: "SmoothGrad/VarGrad: noisy samples (default 32).") var samples: Int?
    @Option(help: "SmoothGrad/VarGrad: noise sigma as a fraction of the input's range, max x - min x (default 0.15).") var noise: Float?
    @Option(help: "Seed of the uniform baseline and of the noise (default 0).") var seed: UInt64?

    /// The settings, every option checked against the methods that read it.
    func settings(methods: [SaliencyMapper.Method], steps: Int?, baseline: IntegratedGradientsBaseline?) throws -> AttributionSettings {
        let ig = methods.contains(.integratedGradients), noisy = methods.contains(.smoothgrad) || methods.contains(.vargrad)
        if !ig && (steps != nil || baseline != nil) { throw ValidationError("the Integrated Gradients steps and --baseline apply to --method integrated-gradients only") }
        if !noisy && (samples != nil || noise != nil) { throw ValidationError("--samples and --noise apply to --method smoothgrad or vargrad only") }
        if !noisy && !(ig && baseline == .uniform) && seed != nil {
            throw ValidationError("--seed applies to smoothgrad, vargrad and integrated-gradients with --baseline uniform only")
        }
        var s = AttributionSettings()
        if let steps { guard steps > 0 else { throw ValidationError("the Integrated Gradients steps must be positive") }; s.steps = steps }
        if let samples { guard samples > 0 else { throw ValidationError("--samples must be positive") }; s.samples = samples }
        if let noise { guard noise >= 0 && noise.isFinite else { throw ValidationError("--noise must be a finite number >= 0") }; s.noise = noise }
        s.baseline = baseline ?? s.baseline
        s.seed = seed ?? s.seed
        return s
    }
}

struct OcclusionCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "occlusion",
        abstract: "Occlusion sensitivity (Zeiler & Fergus, Sect. 4.2 and Fig. 7): a grey patch slid over the image.",
        discussion: """
        Patch positions y = 0, S, 2S, ... while y + P <= H (x likewise); the patch is filled with --fill in the model's
        input space (after preprocessing). Writes occlusion_class<C>.npy, the (rows, columns) map of the softmax
        probability of class C with the patch at each position, and its PNG; with --layer/--channel also the map of
        that feature map's total activation and the map of the most probable class (Fig. 7 b-e). Occluded images
        run in batches. Only what the patch changes is recomputed along the model's leading chain of convolutions,
        poolings, paddings and positionwise layers (the region that differs, grown by each layer's window), the
        rest of the model runs batched: the results are those of running every occluded image through the whole
        model (to float rounding, within 1e-5).
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Image (PNG/JPEG) or .npy tensor.") var image: String
    @Option(help: "Patch side in pixels.") var patch: Int
    @Option(help: "Step between patch positions in pixels.") var stride: Int
    @Option(help: "Value the patch is filled with, in the model's input space.") var fill: Float = 0
    @Option(name: .customLong("class"), help: "Class index (default: the top class of the image).") var classIndex: Int?
    @Option(help: "Layer whose feature map's total activation to map (with --channel).") var layer: String?
    @Option(help: "Channel of --layer.") var channel: Int?
    @Flag(help: "Draw the maps over the image.") var overlay = false
    @Option(help: "Output folder.") var out = "occlusion"
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON (Schemas/occlusion.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        guard patch > 0, stride > 0 else { throw ValidationError("--patch and --stride must be positive") }
        if (layer == nil) != (channel == nil) { throw ValidationError("give --layer and --channel together") }
        guard fill.isFinite else { throw ValidationError("--fill must be a finite number") }
    }

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            let r = try Occlusion.run(model: m, input: image, options: try imageOptions.options(), patch: patch, stride: stride, fill: fill,
                                      classIndex: classIndex, layer: layer, channel: channel, overlay: overlay, quiet: json, out: out)
            if json { print(try JSONOutput.string(r)); return }
            print(String(format: "class %d%@: p = %.4f without the patch, lowest %.4f with it at (%d, %d); %d x %d positions",
                         r.classIndex, (r.className.map { " (\($0))" } ?? "") as NSString, r.probability, r.lowest, r.lowestAt[0], r.lowestAt[1], r.rows, r.columns))
            print("class map: \(r.classMap.png)")
            if let a = r.activationMap, let t = r.topClassMap { print("activation map: \(a.png)\ntop-class map: \(t.png)") }
        }
    }
}

struct FaithfulnessCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "faithfulness",
        abstract: "How faithful attribution maps are: Petsiuk et al.'s deletion and insertion curves and their areas, or MuFidelity.",
        discussion: """
        Pixels are ranked by the map (a 3-D map summed over channels; a 2-D map of another size, such as a class
        activation map, resized bilinearly) in descending order, ties in row-major order. Step k of N sets the first
        round(k*H*W/N) ranked pixels (all channels) to 0 in input space (deletion), or starts from all zeros and
        puts them back (insertion); the curve is the class's softmax probability per step and the score its
        trapezoid area over x = k/N (deletion: lower is better; insertion: higher). --methods computes each
        method's map (as saliency writes it) and scores them side by side: a plot of the curves, a table, and JSON.
        --metric mufidelity (Bhatt et al. 2020, as Xplique defines it with a grid): the image is cut into a
        --grid x --grid grid (cells as tf.image.resize nearest maps them to pixels); one SplitMix64 stream seeded
        with --subset-seed draws u in [0, 1) per cell, row-major, subset after subset, and a cell is removed when
        u < --fraction; removed pixels (all channels) are set to --baseline-value. The score is the Pearson
        correlation, over --subsets subsets, of the map summed over the removed pixels and the drop of the
        class's softmax probability (higher is better; 0 when either is constant).
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Image (PNG/JPEG) or .npy tensor.") var image: String
    @Option(help: "A map to score (.npy: (H, W), (H, W, C) or a class activation map).") var map: String?
    @Option(parsing: .upToNextOption, help: "Methods whose maps to compute and score (comma- or space-separated).") var methods: [String] = []
    @Option(name: .customLong("class"), help: "Class index (default: the top class of the image).") var classIndex: Int?
    @Option(help: "deletion, insertion or mufidelity.") var metric: FaithfulnessMetric = .deletion
    @Option(help: "Steps of the curve.") var steps = 50
    @Option(help: "MuFidelity: grid cells per side (default 9).") var grid: Int?
    @Option(help: "MuFidelity: probability that a cell is removed (default 0.2).") var fraction: Double?
    @Option(help: "MuFidelity: random subsets (default 200).") var subsets: Int?
    @Option(help: "MuFidelity: seed of the subsets (default 0).") var subsetSeed: UInt64?
    @Option(help: "MuFidelity: value of the removed pixels, in input space (default 0).") var baselineValue: Float?
    @Option(help: "Layer of the class activation maps (default: the last spatial layer).") var layer: String?
    @Option(help: "Integrated Gradients: steps (default 32).") var igSteps: Int?
    @Option(help: "Integrated Gradients: baseline (default zeros).") var baseline: IntegratedGradientsBaseline?
    @OptionGroup var noise: NoiseOptions
    @Option(help: "Output folder.") var out = "faithfulness"
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON (Schemas/faithfulness.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    /// `--methods a,b c`: every method named once, in order.
    var parsedMethods: [SaliencyMapper.Method] {
        get throws {
            var list: [SaliencyMapper.Method] = []
            for name in methods.flatMap({ $0.split(separator: ",").map(String.init) }) where !name.isEmpty {
                guard let m = SaliencyMapper.Method(rawValue: name) else {
                    throw ValidationError("--methods: unknown method '\(name)'; choose from \(SaliencyMapper.Method.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !list.contains(m) { list.append(m) }
            }
            return list
        }
    }

    func validate() throws {
        let list = try parsedMethods
        if (map == nil) == list.isEmpty { throw ValidationError("give --map MAP.npy or --methods a,b,c") }
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        _ = try noise.settings(methods: list, steps: igSteps, baseline: baseline)
        _ = try mufidelitySettings
    }

    /// MuFidelity's options, refused with another metric.
    var mufidelitySettings: MuFidelitySettings {
        get throws {
            var s = MuFidelitySettings()
            if metric != .mufidelity {
                if grid != nil || fraction != nil || subsets != nil || subsetSeed != nil || baselineValue != nil {
                    throw ValidationError("--grid, --fraction, --subsets, --subset-seed and --baseline-value apply to --metric mufidelity only")
                }
                return s
            }
            s.grid = grid ?? s.grid
            s.fraction = fraction ?? s.fraction
            s.subsets = subsets ?? s.subsets
            s.seed = subsetSeed ?? s.seed
            s.baseline = baselineValue ?? s.baseline
            return s
        }
    }

    func run() throws {
        try ConvScope.guarded {
            let list = try parsedMethods
            let m = try modelOptions.load(model)
            let r = try FaithfulnessScores.run(model: m, input: image, options: try imageOptions.options(), classIndex: classIndex, metric: metric,
                                               steps: steps, map: map, methods: list, layer: layer,
                                               settings: try noise.settings(methods: list, steps: igSteps, baseline: baseline),
                                               mufidelity: mufidelitySettings, quiet: json, out: out)
            print(json ? try JSONOutput.string(r) : FaithfulnessScores.table(r))
        }
    }
}
