import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope faithfulness` reports (Schemas/faithfulness.schema.json).
public struct FaithfulnessReport: Codable {
    /// One map's curve and score.
    public struct Entry: Codable {
        /// The method that computed the map, or "map" for `--map`.
        public var method: String
        /// The map scored (`--map`'s file, or the method's map as `saliency` writes it).
        public var map: String
        /// The layer a class activation map was taken at.
        public var layer: String?
        /// p_c at steps 0 … N (deletion, insertion).
        public var curve: [Double]?
        /// The trapezoid area under the curve over x = k/N (deletion: lower is better; insertion: higher).
        public var area: Double?
        /// MuFidelity: the Pearson correlation of `sums` and `drops` (higher is better).
        public var score: Double?
        /// MuFidelity, per random subset: Σ of the map over the removed pixels.
        public var sums: [Double]?
        /// MuFidelity, per random subset: p_c(image) − p_c(image with the subset removed).
        public var drops: [Double]?

        /// The number the table ranks by: the area, or MuFidelity's correlation.
        var value: Double { area ?? score ?? 0 }
    }
    public var input: String
    public var classIndex: Int
    public var className: String?
    public var metric: String
    /// Steps of the curves (deletion, insertion).
    public var steps: Int?
    /// MuFidelity's grid, removal probability, number of subsets, seed and baseline value.
    public var mufidelity: MuFidelitySettings?
    /// p_c of the unmodified image.
    public var probability: Double
    public var maps: [Entry]
    /// The curves drawn together.
    public var plot: String
    /// The image, then each map over it captioned with its area.
    public var montage: String
    /// This report, written beside the plot.
    public var json: String
    public var definition: String
}

/// MuFidelity's definition as the report states it.
enum MuFidelityDefinition {
    static let text = "the image cut into a g x g grid (pixel (y, x) in cell floor((y + 0.5) g / H), floor((x + 0.5) g / W), "
        + "as tf.image.resize nearest); one SplitMix64 stream seeded with the seed draws u = nextUnit() per cell, row-major, subset after subset; "
        + "a cell is removed when u < fraction; removed pixels (all channels) set to the baseline value; per subset: drop = p(x) - p(x with the "
        + "subset removed), sum = the map summed over the removed pixels; score: Pearson correlation of sums and drops (0 if either is constant)"
}

public enum FaithfulnessScores {
    /// Deletion or insertion (Petsiuk et al.) of `map` (a .npy) or of each method's map, scored side by side:
    /// the curves in one PNG plot, the report as JSON beside it.
    public static func run(model: LoadedModel, input path: String, options: ImageOptions, classIndex: Int?,
                           metric: FaithfulnessMetric, steps: Int, map mapPath: String?, methods: [SaliencyMapper.Method],
                           layer: String?, settings: AttributionSettings = .init(), mufidelity: MuFidelitySettings = .init(),
                           quiet: Bool = false, out: String) throws -> FaithfulnessReport {
        guard (mapPath == nil) != methods.isEmpty else { throw CommandError("give --map MAP.npy or --methods a,b,c") }
        guard steps > 0 else { throw CommandError("--steps must be positive, got \(steps)") }
        guard model.imageGraph.inputNodes.count == 1 && model.inputShape.count == 3 else {
            throw CommandError("faithfulness needs an image model (one (height, width, channels) input); model input has shape \(model.inputShape)")
        }
        let mapper = try SaliencyMapper(graph: model.imageGraph)
        let input = try options.loadInputs([path], named: [], for: model)
        guard input.tensor.batch == 1 else { throw CommandError("\(path): faithfulness scores one image; the input holds \(input.tensor.batch)") }
        let image = input.tensor
        let (height, width) = (image.shape[1], image.shape[2])
        if !metric.isCurve { do { try mufidelity.validate(height: height, width: width) } catch { throw CommandError("\(error)") } }
        let scores = try mapper.scores(image)
        let c = try Saliency.chosenClass(classIndex, scores)
        // Every map computed and checked before anything is written.
        var named: [(method: String, file: String?, layer: String?, plane: [Float], map: Tensor)] = []
        func plane(_ map: Tensor, _ what: String) throws -> [Float] {
            do { return try Faithfulness.rankingPlane(map, height: height, width: width) } catch { throw CommandError("\(what): \(error)") }
        }
        if let mapPath {
            let map = try NPY.read(mapPath)
            named.append(("map", mapPath, nil, try plane(map, mapPath), map))
        }
        for method in methods {
            let bar = BatchProgress(method.rawValue, quiet: quiet)
            let r = try mapper.attribution(image, method: method, classIndex: c, layer: layer, settings: settings, progress: bar.update)
            named.append((method.rawValue, nil, r.layer, try plane(r.map, method.rawValue), r.map))
        }
        var entries: [FaithfulnessReport.Entry] = []
        for m in named {
            let bar = BatchProgress("\(metric.rawValue) \(m.method)", quiet: quiet)
            if metric.isCurve {
                let curve = try mapper.faithfulness(image, map: m.plane, classIndex: c, metric: metric, steps: steps, progress: bar.update)
                entries.append(.init(method: m.method, map: m.file ?? "", layer: m.layer, curve: curve.probabilities, area: curve.area))
            } else {
                let r = try mapper.muFidelity(image, map: m.plane, classIndex: c, settings: mufidelity, progress: bar.update)
                entries.append(.init(method: m.method, map: m.file ?? "", layer: m.layer, score: r.score, sums: r.sums, drops: r.drops))
            }
        }
        let folder = try OutputFolder(out)
        for (k, m) in named.enumerated() where m.file == nil {
            entries[k].map = try folder.npy(m.map, "\(OutputFolder.safe(m.method))_class\(c).npy")
        }
        let stem = "faithfulness_\(metric.rawValue)_class\(c)"
        var report = FaithfulnessReport(
            input: path, classIndex: c, className: ClassNames.name(c, classes: scores.count), metric: metric.rawValue,
            steps: metric.isCurve ? steps : nil, mufidelity: metric.isCurve ? nil : mufidelity,
            probability: SaliencyMapper.softmax(scores)[c], maps: entries, plot: try folder.png(plot(entries, metric: metric, steps: steps, classIndex: c), stem + ".png"),
            montage: try folder.png(montage(input.displayImage(0).toRGB(), maps: named.map { ($0.method, $0.plane) }, entries: entries,
                                            height: height, width: width), stem + "_maps.png"),
            json: folder.path(stem + ".json"),
            definition: metric.isCurve ? "pixels ranked by the map (a 3-D map summed over channels, a 2-D map of another size resized bilinearly) in descending order, "
                + "ties in row-major order; step k of N " + (metric == .deletion ? "sets the first round(k*H*W/N) ranked pixels to 0"
                : "puts the first round(k*H*W/N) ranked pixels back into an all-zero image") + "; area: trapezoid rule over x = k/N" : MuFidelityDefinition.text)
        report.json = try folder.json(report, stem + ".json")
        return report
    }

    /// Deletion and insertion: the curves; MuFidelity: one bar per map.
    static func plot(_ entries: [FaithfulnessReport.Entry], metric: FaithfulnessMetric, steps: Int, classIndex c: Int) -> Image {
        guard metric.isCurve else {
            return BarChart(categories: entries.map(\.method), values: entries.map(\.value), title: "MuFidelity, class \(c)",
                            yLabel: "Pearson correlation").render()
        }
        let x = (0...steps).map { Double($0) / Double(steps) }
        return LineChart(series: entries.map { .init(name: String(format: "%@ (%.3f)", $0.method, $0.value), x: x, y: $0.curve ?? []) },
                         title: "\(metric.rawValue), class \(c)", xLabel: "fraction of pixels", yLabel: "p(class \(c))", yRange: 0...1).render()
    }

    /// The image and each map's ranking plane drawn over it (jet), captioned with the method and its area.
    static func montage(_ image: Image, maps: [(method: String, plane: [Float])], entries: [FaithfulnessReport.Entry],
                        height: Int, width: Int) -> Image {
        let shown = displayZoom(image, minSide: 128)
        var tiles = [Montage.Tile(shown, caption: "image")]
        for (m, e) in zip(maps, entries) {
            let heat = Tensor(shape: [height, width], data: m.plane)
            tiles.append(.init(heatmapOverlay(shown, heat: heat, alpha: 0.6, colormap: .jet), caption: String(format: "%@ %.3f", m.method, e.value)))
        }
        return Montage.grid(tiles, columns: min(tiles.count, 5), padding: 6)
    }

    /// The report as a table: one row per map, best first.
    public static func table(_ r: FaithfulnessReport) -> String {
        let best = r.maps.sorted { r.metric == FaithfulnessMetric.deletion.rawValue ? $0.value < $1.value : $0.value > $1.value }
        let width = max(8, best.map(\.method.count).max() ?? 0)
        let how = r.steps.map { "\($0) steps" } ?? r.mufidelity.map { "\($0.subsets) subsets of a \($0.grid)x\($0.grid) grid" } ?? ""
        var lines = ["\(r.metric) of class \(r.classIndex)\(r.className.map { " (\($0))" } ?? ""), \(how), p = \(String(format: "%.4f", r.probability)) "
                     + (r.metric == FaithfulnessMetric.deletion.rawValue ? "(lower area is better)"
                        : r.steps == nil ? "(higher correlation is better)" : "(higher area is better)")]
        lines.append("method".padding(toLength: width, withPad: " ", startingAt: 0) + (r.steps == nil ? "   score" : "   area"))
        for e in best { lines.append(e.method.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "   %.4f", e.value)) }
        lines.append("plot: \(r.plot)")
        return lines.joined(separator: "\n")
    }
}
