import Cost
import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope deconv` reports (Schemas/deconv.schema.json).
public struct DeconvReport: Codable {
    public struct Item: Codable {
        public var layer: String
        public var channel: Int
        public var meanActivation: Double
        public var png: String
        public var npy: String
    }
    public var input: String
    public var rule: String
    public var seed: String
    /// How projections are shown: each one min–max normalised over all its pixels and channels to [0, 255].
    public var display: String
    public var projections: [Item]
    public var montage: String
}

public enum Deconv {
    public static let displayNote = "each projection min-max normalised over all its pixels and channels to [0, 255] (as Zeiler & Fergus' figures and the paper's DeconvNet code)"

    /// Projects feature maps of one image and writes PNG + .npy per projection and a Figure-2 style montage.
    public static func run(model: LoadedModel, input path: String, options: ImageOptions, layers: [String]?,
                           selection: FeatureSelection, rule: BackwardRule, seed: ProjectionSeed,
                           out: String) throws -> DeconvReport {
        let projector = try FeatureProjector(graph: model.imageGraph)
        try requireImageModel(model)
        let input = try options.load([path], for: model)
        let chosen = layers ?? projector.defaultLayers
        guard !chosen.isEmpty else { throw CommandError("the model has no convolutional or pooling layer to project; name one with --layer") }
        let projections = try projector.project(input.tensor, layers: chosen, selection: selection, rule: rule, seed: seed)
        let folder = try OutputFolder(out)
        var items: [DeconvReport.Item] = []
        let inputImage = displayZoom(input.displayImage(0))
        var tiles = [Montage.Tile(inputImage, caption: "input")]
        for p in projections {
            let base = "\(OutputFolder.safe(p.layer))_ch\(p.channel)"
            let img = Projection.image(p.pixels)
            let png = try folder.png(img, base + ".png")
            let npy = try folder.npy(p.pixels, base + ".npy")
            items.append(.init(layer: p.layer, channel: p.channel, meanActivation: p.meanActivation, png: png, npy: npy))
            tiles.append(.init(displayZoom(img), caption: "\(p.layer) #\(p.channel)"))
        }
        let columns = min(tiles.count, 4)
        let montage = try folder.png(Montage.grid(tiles, columns: columns, padding: 6), "montage.png")
        return DeconvReport(input: path, rule: rule.rawValue, seed: seed.rawValue, display: displayNote,
                            projections: items, montage: montage)
    }

    /// The Zeiler & Fergus view over a folder: the `top` strongest activations of one map, each projected
    /// from its single strongest unit, beside the image patch its receptive field covers (`ReceptiveField`, as `inspect` reports it).
    public static func dataset(model: LoadedModel, folder dir: String, options: ImageOptions, layer: String, channel: Int,
                               top: Int, rule: BackwardRule, out: String) throws -> DatasetDeconvReport {
        let projector = try FeatureProjector(graph: model.imageGraph)
        let node = try model.imageGraph.resolve(layer)
        let mapShape = model.imageGraph.channelsLastShape(node.id)                  // (h, w, channels) whatever the layout
        guard let channels = mapShape.last, mapShape.count == 3, channel >= 0, channel < channels else {
            throw CommandError("layer '\(node.name)' has output \(node.outputShape); channel \(channel) is not one of its feature maps")
        }
        let files = try imageFiles(in: dir)
        guard !files.isEmpty else { throw CommandError("\(dir): no PNG or JPEG images found") }
        // Strongest unit of the map per image.
        var best: [(file: String, value: Float, y: Int, x: Int)] = []
        let bar = ProgressBar(total: files.count, label: "scanning")
        for (i, f) in files.enumerated() {
            let input = try options.load([f], for: model)
            var ctx = ForwardContext()
            let act = model.imageGraph.channelsLastValue(try model.imageGraph.forward([input.tensor], targets: [node.id], context: &ctx).value(node.id)!, node: node.id)
            let (h, w, c) = (act.shape[1], act.shape[2], act.shape[3])
            var bv = -Float.infinity, by = 0, bx = 0
            for y in 0..<h { for x in 0..<w {
                let v = act.data[(y * w + x) * c + channel]
                if v > bv { bv = v; by = y; bx = x }
            } }
            best.append((f, bv, by, bx))
            bar.update(i + 1)
        }
        best.sort { $0.value > $1.value }
        let folder = try OutputFolder(out)
        var tiles: [Montage.Tile] = []
        var items: [DatasetDeconvReport.Item] = []
        // Zeiler & Fergus crop the image patch a unit sees: its receptive field, the one `inspect` reports.
        let field = ModelCost.analyze(graph: model.imageGraph).layers[node.id].receptiveField
        for (rank, b) in best.prefix(max(1, top)).enumerated() {
            let input = try options.load([b.file], for: model)
            let proj = try projector.projectUnit(input.tensor, layer: node.name, channel: channel, y: b.y, x: b.x, rule: rule)
            let box = field?.box(ofUnit: [b.y, b.x], clippedTo: [proj.shape[1], proj.shape[2]])
                .map { (x: $0.origin[1], y: $0.origin[0], w: $0.size[1], h: $0.size[0]) }
            let img = Projection.image(proj)
            let shown = input.displayImage(0)
            let patch = box.map { shown.cropped(x: $0.x, y: $0.y, width: $0.w, height: $0.h) } ?? shown
            let projPatch = box.map { img.cropped(x: $0.x, y: $0.y, width: $0.w, height: $0.h) } ?? img
            let side = 96
            tiles.append(.init(projPatch.resized(width: side, height: side, interpolation: .nearest), caption: "#\(rank + 1) proj"))
            tiles.append(.init(patch.toRGB().resized(width: side, height: side, interpolation: .nearest),
                               caption: String(format: "%.2f", b.value)))
            let base = "top\(rank + 1)"
            try folder.npy(proj, base + ".npy")
            items.append(.init(rank: rank + 1, image: b.file, activation: Double(b.value), y: b.y, x: b.x,
                               patch: box.map { [$0.x, $0.y, $0.w, $0.h] }))
        }
        let grid = try folder.png(Montage.grid(tiles, columns: 6, padding: 6), "top\(top)_\(OutputFolder.safe(node.name))_ch\(channel).png")
        return DatasetDeconvReport(layer: node.name, channel: channel, rule: rule.rawValue, images: files.count, top: items, grid: grid)
    }

    static func imageFiles(in dir: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw CommandError("\(dir): not a folder")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        return names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            .map { (dir as NSString).appendingPathComponent($0) }
    }
}

public struct DatasetDeconvReport: Codable {
    public struct Item: Codable {
        public var rank: Int
        public var image: String
        public var activation: Double
        public var y: Int
        public var x: Int
        /// x, y, width, height of the receptive field patch in the resized image.
        public var patch: [Int]?
    }
    public var layer: String
    public var channel: Int
    public var rule: String
    public var images: Int
    public var top: [Item]
    public var grid: String
}

extension Deconv {
    /// DeconvNet projects feature maps back to pixels through convolutions and pooling: it needs an image model.
    static func requireImageModel(_ model: LoadedModel) throws {
        guard model.imageGraph.inputNodes.count == 1, model.inputShape.count == 3 else {
            throw CommandError("DeconvNet needs a path of convolutions and pooling from one (height, width, channels) image input; model '\(model.imageGraph.name)' takes \(model.imageGraph.inputNodes.map { "\(model.imageGraph.nodes[$0].outputShape)" }.joined(separator: ", "))")
        }
    }
}
