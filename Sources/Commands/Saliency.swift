import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope saliency` reports (Schemas/saliency.schema.json).
public struct SaliencyReport: Codable {
    public var input: String
    public var method: String
    public var classIndex: Int
    public var className: String?
    public var score: Double
    /// The layer Grad-CAM used.
    public var layer: String?
    public var png: String
    public var npy: String
    public var display: String
}

public enum Saliency {
    /// Class saliency for one input; `classIndex` nil = the top-scoring class. Images for an image model; a `.npy`
    /// tensor of any shape for any one-input model (gradient and guided only: Grad-CAM needs a spatial feature map).
    public static func run(model: LoadedModel, input path: String, options: ImageOptions, classIndex: Int?,
                           method: SaliencyMapper.Method, layer: String?, overlay: Bool, out: String) throws -> SaliencyReport {
        let mapper = try SaliencyMapper(graph: model.graph)
        guard model.graph.inputNodes.count == 1 else {
            throw CommandError("saliency needs a model with one input; '\(model.graph.name)' has \(model.graph.inputNodes.count)")
        }
        let isImage = model.inputShape.count == 3
        if !isImage && method == .gradcam {
            throw CommandError("Grad-CAM needs an image model with a spatial (height, width, channels) feature map; model input has shape \(model.inputShape); use --method gradient or guided")
        }
        if !isImage && overlay { throw CommandError("--overlay needs an image input; model input has shape \(model.inputShape)") }
        let input = try options.loadInputs([path], named: [], for: model)
        let scores = try mapper.scores(input.tensor)
        let c = classIndex ?? scores.indices.max { scores[$0] < scores[$1] }!
        guard c >= 0 && c < scores.count else { throw CommandError("class \(c) is out of range: the model has \(scores.count) outputs") }
        guard isImage else {
            return try tensorSaliency(mapper: mapper, input: input, path: path, method: method, classIndex: c, scores: scores, out: out)
        }
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
            let grey = normalizeForDisplay(map.reshaped([1, map.shape[0], map.shape[1], 1]))
            picture = Colormap.jet.apply(to: grey.resizedFloat(width: shown.width, height: shown.height, interpolation: .bilinear))
            display = "Grad-CAM at \(l): ReLU(sum_k mean(d score/d A_k) A_k), upsampled bilinearly, jet colour map"
        }
        if overlay {
            let h2d = heat.shape.last == 3 ? channelMaxAbs(heat) : heat
            let hw = h2d.rank == 4 ? h2d.reshaped([h2d.shape[1], h2d.shape[2]]) : h2d
            picture = heatmapOverlay(shown, heat: hw, alpha: 0.5, colormap: .jet)
        } else if picture.width < shown.width {
            picture = picture.resized(width: shown.width, height: shown.height, interpolation: .nearest)
        }
        return try write(picture, heat: heat, input: path, method: method, classIndex: c, scores: scores, layer: usedLayer, display: display, out: out)
    }

    /// Gradient or guided saliency of a non-image input: |d score / d input| (guided: the signed gradient) in the
    /// input's shape as `.npy`; its magnitude drawn as a `TensorGrid`.
    static func tensorSaliency(mapper: SaliencyMapper, input: ModelInput, path: String, method: SaliencyMapper.Method,
                               classIndex c: Int, scores: [Float], out: String) throws -> SaliencyReport {
        let g = try mapper.inputGradient(input.tensor, classIndex: c, rule: method == .guided ? .guided : .gradient)
        let magnitude = Tensor(shape: g.shape, data: g.data.map(abs))
        let plane = TensorGrid.plane(magnitude)
        let picture = TensorGrid.zoomed(Colormap.grey.apply(to: normalizeForDisplay(plane)))
        let display = "|d score / d input| per element as a (\(plane.shape[1]), \(plane.shape[2])) grid, min-max normalised; the .npy holds "
            + (method == .guided ? "the guided backprop gradient" : "|d score / d input|") + " in the input's shape"
        return try write(picture, heat: method == .guided ? g : magnitude, input: path, method: method, classIndex: c, scores: scores,
                         layer: nil, display: display, out: out)
    }

    /// Writes the picture and its `.npy` beside it (`out`: a `.png` file or a folder) and reports them.
    static func write(_ picture: Image, heat: Tensor, input path: String, method: SaliencyMapper.Method, classIndex c: Int, scores: [Float],
                      layer usedLayer: String?, display: String, out: String) throws -> SaliencyReport {
        let png = out.lowercased().hasSuffix(".png") ? out : (out as NSString).appendingPathComponent("saliency_\(method.rawValue)_class\(c).png")
        let dir = (png as NSString).deletingLastPathComponent
        let folder = try OutputFolder(dir.isEmpty ? "." : dir)
        let name = (png as NSString).lastPathComponent
        try folder.png(picture, name)
        let npy = try folder.npy(heat, (name as NSString).deletingPathExtension + ".npy")
        return SaliencyReport(input: path, method: method.rawValue, classIndex: c, className: ClassNames.name(c, classes: scores.count),
                              score: Double(scores[c]), layer: usedLayer, png: folder.path(name), npy: npy, display: display)
    }

    /// (1, H, W, C) → (1, H, W, 1): max |value| over channels.
    static func channelMaxAbs(_ g: Tensor) -> Tensor {
        let c = g.shape.last ?? 1
        var out = Tensor(zeros: Array(g.shape.dropLast()) + [1])
        for p in 0..<out.count {
            var m: Float = 0
            for k in 0..<c { m = max(m, abs(g.data[p * c + k])) }
            out.data[p] = m
        }
        return out
    }
}
