import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope saliency` reports (Schemas/saliency.schema.json).
public struct SaliencyReport: Codable {
    /// The saliency of one input of a model with several.
    public struct InputMap: Codable {
        public var name: String
        public var png: String
        public var npy: String
    }
    public var input: String
    public var method: String
    public var classIndex: Int
    public var className: String?
    public var score: Double
    /// The layer a class activation map (Grad-CAM, Grad-CAM++, Score-CAM) used.
    public var layer: String?
    /// Integrated Gradients' steps and baseline; SmoothGrad's and VarGrad's samples and noise; the seed of either.
    public var steps: Int?
    public var baseline: String?
    public var samples: Int?
    public var noise: Double?
    public var seed: UInt64?
    /// The (first) input's picture and values.
    public var png: String
    public var npy: String
    public var display: String
    /// Every input's, for a model with several inputs.
    public var inputs: [InputMap]?
}

public enum Saliency {
    /// Class saliency for one item; `classIndex` nil = the top-scoring class. An image for an image model; for any
    /// model a `.npy` tensor of any shape (`path`), or one per input (`named`): gradient and guided only, since
    /// Grad-CAM needs a spatial feature map.
    public static func run(model: LoadedModel, input path: String?, named: [NamedInput] = [], options: ImageOptions, classIndex: Int?,
                           method: SaliencyMapper.Method, layer: String?, settings: AttributionSettings = .init(), overlay: Bool,
                           quiet: Bool = false, out: String) throws -> SaliencyReport {
        let mapper = try SaliencyMapper(graph: model.imageGraph)
        let isImage = model.imageGraph.inputNodes.count == 1 && model.inputShape.count == 3
        let shapes = model.imageGraph.inputNodes.map { "\(model.imageGraph.nodes[$0].outputShape)" }.joined(separator: ", ")
        if !isImage && method == .gradcam {
            throw CommandError("Grad-CAM needs an image model with a spatial (height, width, channels) feature map; model input has shape \(shapes); use --method gradient or guided")
        }
        if !isImage && ![.gradient, .guided].contains(method) {
            throw CommandError("--method \(method.rawValue) needs an image model (one (height, width, channels) input); model input has shape \(shapes); use --method gradient or guided")
        }
        if !isImage && overlay { throw CommandError("--overlay needs an image input; model input has shape \(shapes)") }
        let input = try options.loadInputs(path.map { [$0] } ?? [], named: named, for: model)
        guard isImage else {
            guard input.tensor.batch == 1 else { throw CommandError("saliency maps one item; the input holds \(input.tensor.batch)") }
            return try tensorSaliency(mapper: mapper, model: model, input: input, method: method, classIndex: classIndex, out: out)
        }
        let scores = try mapper.scores(input.tensor)
        let c = try chosenClass(classIndex, scores)
        let shown = displayZoom(input.displayImage(0).toRGB(), minSide: 224)
        var heat: Tensor
        var picture: Image
        var usedLayer: String?
        let display: String
        switch method {
        case .gradient:
            // Simonyan et al.: the largest |gradient| over colour channels per pixel.
            let g = try mapper.inputGradient(input.tensor, classIndex: c, rule: .gradient)
            heat = channelMaxAbs(g)
            picture = Colormap.grey.apply(to: normalizeForDisplay(heat))
            display = "max over channels of |d score / d pixel|, min-max normalised"
        case .guided:
            let g = try mapper.inputGradient(input.tensor, classIndex: c, rule: .guided)
            heat = channelMaxAbs(g)
            picture = g.shape.last == 3 ? normalizeForDisplay(g) : normalizeForDisplay(heat)
            display = "guided backprop gradient, min-max normalised over all pixels and channels"
            heat = g
        case .gradcam:
            let (map, l) = try mapper.gradCAM(input.tensor, classIndex: c, layer: layer)
            usedLayer = l
            heat = map
            picture = Self.upsampledCAM(map, to: shown)
            display = "Grad-CAM at \(l): ReLU(sum_k mean(d score/d A_k) A_k), upsampled bilinearly, jet colour map"
        case .integratedGradients, .smoothgrad, .vargrad, .gradcamPlusPlus, .scorecam:
            let bar = BatchProgress(method.rawValue, quiet: quiet)
            let r = try mapper.attribution(input.tensor, method: method, classIndex: c, layer: layer, settings: settings, progress: bar.update)
            heat = r.map
            usedLayer = r.layer
            if method.isLayerMap {
                picture = Self.upsampledCAM(heat, to: shown)
            } else {
                picture = Colormap.grey.apply(to: normalizeForDisplay(channelMaxAbs(heat).reshaped([1, heat.shape[0], heat.shape[1], 1])))
            }
            display = Self.description(method, layer: r.layer, settings: settings)
        }
        if overlay {
            picture = heatmapOverlay(shown, heat: Self.plane(heat), alpha: 0.5, colormap: .jet)
        } else if picture.width < shown.width {
            picture = picture.resized(width: shown.width, height: shown.height, interpolation: .nearest)
        }
        var report = try write(picture, heat: heat, input: path ?? input.names[0], method: method, classIndex: c, scores: scores, layer: usedLayer, display: display, out: out)
        if method == .integratedGradients { (report.steps, report.baseline) = (settings.steps, settings.baseline.rawValue) }
        if method == .smoothgrad || method == .vargrad { (report.samples, report.noise) = (settings.samples, Double(settings.noise)) }
        if method == .smoothgrad || method == .vargrad || (method == .integratedGradients && settings.baseline == .uniform) { report.seed = settings.seed }
        return report
    }

    /// A map drawn over the image: (h, w) as is; (H, W, C) and (1, H, W, C) as the largest |value| over channels.
    static func plane(_ heat: Tensor) -> Tensor {
        if heat.rank == 2 { return heat }
        let m = heat.shape.last == 1 ? heat : channelMaxAbs(heat)
        return m.reshaped([m.shape[m.rank - 3], m.shape[m.rank - 2]])
    }

    /// A class activation map at its layer's resolution, upsampled bilinearly to the shown image, jet colours.
    static func upsampledCAM(_ map: Tensor, to shown: Image) -> Image {
        let grey = normalizeForDisplay(map.reshaped([1, map.shape[0], map.shape[1], 1]))
        return Colormap.jet.apply(to: grey.resizedFloat(width: shown.width, height: shown.height, interpolation: .bilinear))
    }

    /// What the picture of a method of issue 18 shows.
    static func description(_ method: SaliencyMapper.Method, layer: String?, settings s: AttributionSettings) -> String {
        switch method {
        case .integratedGradients:
            return "Integrated Gradients, \(s.steps) steps from a \(s.baseline.rawValue) baseline: (x - x0) * mean_k d score/dx at x0 + k/N (x - x0); drawn as max |attribution| over channels"
        case .smoothgrad, .vargrad:
            return "\(method == .smoothgrad ? "SmoothGrad: mean" : "VarGrad: variance") of d score/dx over \(s.samples) copies with Gaussian noise, sigma = \(s.noise) * (max x - min x); drawn as max |value| over channels"
        case .gradcamPlusPlus:
            return "Grad-CAM++ at \(layer ?? ""): ReLU(sum_k w_k A_k), w_k = sum alpha relu(g), alpha = g^2 / (2 g^2 + sum A g^3), upsampled bilinearly, jet colour map"
        case .scorecam:
            return "Score-CAM at \(layer ?? ""): ReLU(sum_k (p(x * M_k) - p(0)) A_k), M_k = A_k upsampled and min-max normalised, upsampled bilinearly, jet colour map"
        default:
            return method.rawValue
        }
    }

    /// The class asked for, else the top-scoring one; refused when out of range.
    static func chosenClass(_ classIndex: Int?, _ scores: [Float]) throws -> Int {
        let c = classIndex ?? scores.indices.max { scores[$0] < scores[$1] }!
        guard c >= 0 && c < scores.count else { throw CommandError("class \(c) is out of range: the model has \(scores.count) outputs") }
        return c
    }

    /// Gradient or guided saliency of non-image inputs: |d score / d input| (guided: the signed gradient) in each
    /// input's shape as `.npy`; its magnitude drawn as a `TensorGrid`. Several inputs: one pair of files per input,
    /// named after it.
    static func tensorSaliency(mapper: SaliencyMapper, model: LoadedModel, input: ModelInput, method: SaliencyMapper.Method,
                               classIndex: Int?, out: String) throws -> SaliencyReport {
        let scores = try mapper.scores(input.tensors)
        let c = try chosenClass(classIndex, scores)
        let grads = try mapper.inputGradients(input.tensors, classIndex: c, rule: method == .guided ? .guided : .gradient)
        let inputNames = model.imageGraph.inputNodes.map { model.imageGraph.nodes[$0].name }
        var reports: [SaliencyReport] = []
        for (k, g) in grads.enumerated() {
            let magnitude = Tensor(shape: g.shape, data: g.data.map(abs))
            let plane = TensorGrid.plane(magnitude)
            let picture = TensorGrid.zoomed(Colormap.grey.apply(to: normalizeForDisplay(plane)))
            let display = "|d score / d input| per element as a (\(plane.shape[1]), \(plane.shape[2])) grid, min-max normalised; the .npy holds "
                + (method == .guided ? "the guided backprop gradient" : "|d score / d input|") + " in the input's shape"
            reports.append(try write(picture, heat: method == .guided ? g : magnitude, input: input.names[0], method: method, classIndex: c,
                                     scores: scores, layer: nil, display: display, out: out, suffix: grads.count > 1 ? "_" + OutputFolder.safe(inputNames[k]) : ""))
        }
        var report = reports[0]
        if grads.count > 1 { report.inputs = zip(inputNames, reports).map { .init(name: $0, png: $1.png, npy: $1.npy) } }
        return report
    }

    /// Writes the picture and its `.npy` beside it (`out`: a `.png` file or a folder; `suffix` before the extension)
    /// and reports them.
    static func write(_ picture: Image, heat: Tensor, input path: String, method: SaliencyMapper.Method, classIndex c: Int, scores: [Float],
                      layer usedLayer: String?, display: String, out: String, suffix: String = "") throws -> SaliencyReport {
        let png = out.lowercased().hasSuffix(".png") ? out : (out as NSString).appendingPathComponent("saliency_\(method.rawValue)_class\(c).png")
        let dir = (png as NSString).deletingLastPathComponent
        let folder = try OutputFolder(dir.isEmpty ? "." : dir)
        let name = ((png as NSString).lastPathComponent as NSString).deletingPathExtension + suffix + ".png"
        try folder.png(picture, name)
        let npy = try folder.npy(heat, (name as NSString).deletingPathExtension + ".npy")
        return SaliencyReport(input: path, method: method.rawValue, classIndex: c, className: ClassNames.name(c, classes: scores.count),
                              score: Double(scores[c]), layer: usedLayer, png: folder.path(name), npy: npy, display: display)
    }
}
