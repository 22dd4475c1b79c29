// Feature evolution during training (Zeiler & Fergus, ECCV 2014, Sect. 4.1 and Fig. 4): at chosen
// epochs, the DeconvNet projection (switch unpooling, activation seed) of each chosen layer's
// strongest channel for one image, with the weights as they are at the end of that epoch (epoch 0 =
// before training). The montage has epochs across and layers down.
import Graph
import Imaging
import Tensor

/// One recorded projection.
public struct EvolutionFrame: Sendable {
    public let epoch: Int
    public let projection: Projection
}

/// Records projections of one image at chosen epochs; `record(epoch:)` reads the graph's current weights.
public final class FeatureEvolution {
    public let layers: [String]
    /// Sorted, distinct, ≥ 0.
    public let epochs: [Int]
    let image: Tensor
    let projector: FeatureProjector
    /// Frames by epoch, one per layer in `layers` order.
    public private(set) var frames: [Int: [Projection]] = [:]

    /// Checks the layers (each a convolution or pooling layer with a spatial output) and the epochs.
    public init(graph: Graph, image: Tensor, layers: [String], epochs: [Int]) throws {
        guard !layers.isEmpty else { throw GraphError.badInput("--evolution: name at least one layer") }
        guard !epochs.isEmpty else { throw GraphError.badInput("--evolution-epochs: name at least one epoch") }
        if let bad = epochs.first(where: { $0 < 0 }) { throw GraphError.badInput("--evolution-epochs: epoch \(bad) is negative (0 = before training)") }
        guard Set(epochs).count == epochs.count else { throw GraphError.badInput("--evolution-epochs: an epoch is listed twice") }
        projector = try FeatureProjector(graph: graph)
        let projectable = Set(projector.defaultLayers)
        for l in layers {
            let node = try graph.resolve(l)
            guard projectable.contains(node.name) else {
                throw GraphError.badInput("--evolution: layer '\(node.name)' is not a convolution or pooling layer with a spatial output")
            }
        }
        self.layers = layers
        self.epochs = epochs.sorted()
        self.image = image
    }

    /// The study's choice: up to `count` convolution layers evenly spread over depth (first and last included).
    public static func defaultLayers(_ graph: Graph, count: Int = 5) throws -> [String] {
        let projectable = Set(try FeatureProjector(graph: graph).defaultLayers)
        let convs = graph.nodes.filter { guard projectable.contains($0.name), case .convolution = $0.layer.role else { return false }; return true }.map(\.name)
        return spread(convs, count: count)
    }

    /// Up to `count` items of `items` evenly spread, first and last included, in order.
    public static func spread<T>(_ items: [T], count: Int) -> [T] {
        guard items.count > count, count > 1 else { return Array(items.prefix(max(count, 0))) }
        var picked: [Int] = []
        for i in 0..<count {
            let k = Int((Double(i) * Double(items.count - 1) / Double(count - 1)).rounded())
            if picked.last != k { picked.append(k) }
        }
        return picked.map { items[$0] }
    }

    /// Projects every layer when `epoch` is one of `epochs`; returns the new frames (empty otherwise).
    @discardableResult
    public func record(epoch: Int) throws -> [Projection] {
        guard epochs.contains(epoch) else { return [] }
        let p = try projector.project(image, layers: layers, selection: .strongest, rule: .deconvnet, seed: .activation)
        frames[epoch] = p
        return p
    }

    /// Stores a frame computed elsewhere (a resumed run reads the earlier epochs back from disk); `projections`
    /// are (channel, mean activation, pixels) per layer in `layers` order.
    public func restore(epoch: Int, _ projections: [(channel: Int, meanActivation: Double, pixels: Tensor)]) throws {
        guard projections.count == layers.count else { throw GraphError.badInput("evolution frames of epoch \(epoch): \(projections.count) layers, expected \(layers.count)") }
        frames[epoch] = zip(layers, projections).map { Projection(layer: $0, channel: $1.channel, meanActivation: $1.meanActivation, pixels: $1.pixels) }
    }

    /// Epochs across, layers down; each tile min–max normalised on its own (as Projection.image), captioned
    /// "layer #channel e<epoch>"; epochs not recorded are left out (a stopped run).
    public func montage(padding: Int = 6) -> Image {
        let shown = epochs.filter { frames[$0] != nil }
        var tiles: [Montage.Tile] = []
        for (i, layer) in layers.enumerated() {
            for e in shown {
                let p = frames[e]![i]
                tiles.append(.init(displayZoom(Projection.image(p.pixels), minSide: 96), caption: "\(layer) #\(p.channel) e\(e)"))
            }
        }
        return Montage.grid(tiles, columns: max(1, shown.count), padding: padding)
    }
}
