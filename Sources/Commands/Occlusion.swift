import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope occlusion` reports (Schemas/occlusion.schema.json).
public struct OcclusionReport: Codable {
    /// One map: its values (.npy) and its picture.
    public struct MapFiles: Codable {
        public var npy: String
        public var png: String
    }
    public var input: String
    public var classIndex: Int
    public var className: String?
    /// p_c of the image without a patch.
    public var probability: Double
    public var patch: Int
    public var stride: Int
    public var fill: Double
    /// Patch positions down and across: the maps' shape.
    public var rows: Int
    public var columns: Int
    /// p_c per patch position.
    public var classMap: MapFiles
    /// With --layer/--channel: that feature map's total activation, and the most probable class, per position.
    public var layer: String?
    public var channel: Int?
    public var activationMap: MapFiles?
    public var topClassMap: MapFiles?
    /// The lowest p_c over positions and where (row, column of the patch's top-left corner in pixels).
    public var lowest: Double
    public var lowestAt: [Int]
    public var display: String
}

public enum Occlusion {
    /// Occlusion sensitivity of one image (Zeiler & Fergus §4.2): the maps the issue names as `.npy` and PNG
    /// (jet, zoomed to the picture's size, or drawn over the image with `overlay`) in `out`.
    public static func run(model: LoadedModel, input path: String, options: ImageOptions, patch: Int, stride: Int, fill: Float,
                           classIndex: Int?, layer: String?, channel: Int?, overlay: Bool, quiet: Bool = false, out: String) throws -> OcclusionReport {
        guard model.imageGraph.inputNodes.count == 1 && model.inputShape.count == 3 else {
            throw CommandError("occlusion needs an image model (one (height, width, channels) input); model input has shape \(model.inputShape)")
        }
        let mapper = try SaliencyMapper(graph: model.imageGraph)
        let input = try options.loadInputs([path], named: [], for: model)
        guard input.tensor.batch == 1 else { throw CommandError("\(path): occlusion maps one image; the input holds \(input.tensor.batch)") }
        let image = input.tensor
        let scores = try mapper.scores(image)
        let c = try Saliency.chosenClass(classIndex, scores)
        let probe = layer.map { ($0, channel ?? 0) }
        let bar = BatchProgress("occlusion", quiet: quiet)
        let maps = try mapper.occlusion(image, patch: patch, stride: stride, fill: fill, classIndex: c, probe: probe, progress: bar.update)
        let shown = displayZoom(input.displayImage(0).toRGB(), minSide: 224)
        let folder = try OutputFolder(out)
        /// `unit`: the map's values already in [0, 1] (else min–max normalised).
        func save(_ map: Tensor, _ name: String, unit: Tensor? = nil) throws -> OcclusionReport.MapFiles {
            let (lo, hi) = (map.min, map.max)
            let values = unit ?? map.map { hi > lo ? ($0 - lo) / (hi - lo) : 0 }
            let grey = Image(width: map.shape[1], height: map.shape[0], channels: 1, pixels: values.data)
            let picture = overlay ? heatmapOverlay(shown, heat: values, alpha: 0.5, colormap: .jet)
                : Colormap.jet.apply(to: grey).resized(width: shown.width, height: shown.height, interpolation: .nearest)
            return .init(npy: try folder.npy(map, name + ".npy"), png: try folder.png(picture, name + ".png"))
        }
        let classMap = try save(maps.probability, "occlusion_class\(c)")
        var activationMap: OcclusionReport.MapFiles?, topClassMap: OcclusionReport.MapFiles?
        if let a = maps.activation, let top = maps.topClass, let name = maps.layer {
            activationMap = try save(a, "occlusion_\(OutputFolder.safe(name))_channel\(probe!.1)")
            // Classes on a fixed scale (0 … classes − 1), so a map where one class wins everywhere stays one colour.
            topClassMap = try save(top, "occlusion_top_class", unit: top.map { $0 / Float(max(scores.count - 1, 1)) })
        }
        let lowestIndex = maps.probability.data.indices.min { maps.probability.data[$0] < maps.probability.data[$1] }!
        let columns = maps.probability.shape[1]
        return OcclusionReport(input: path, classIndex: c, className: ClassNames.name(c, classes: scores.count),
                               probability: SaliencyMapper.softmax(scores)[c], patch: patch, stride: stride, fill: Double(fill),
                               rows: maps.probability.shape[0], columns: columns, classMap: classMap, layer: maps.layer,
                               channel: probe?.1, activationMap: activationMap, topClassMap: topClassMap,
                               lowest: Double(maps.probability.data[lowestIndex]),
                               lowestAt: [lowestIndex / columns * stride, lowestIndex % columns * stride],
                               display: "one value per patch position (top-left corners every \(stride) pixels), jet colour map"
                                   + (overlay ? ", stretched over the image" : ""))
    }
}
