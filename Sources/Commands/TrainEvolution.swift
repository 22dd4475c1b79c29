// `train --evolution LAYER,… --evolution-image IMG --evolution-epochs E1,…` (Zeiler & Fergus Fig. 4):
// at the end of each chosen epoch (0 = before training), the DeconvNet projection of each layer's
// strongest channel for IMG, written as STEM.evolution/LAYER_epochE.{png,npy}, with evolution.json
// (rewritten after every recorded epoch, so a resumed run picks the earlier frames back up) and
// montage.png (epochs across, layers down).
import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `train --evolution` is asked for.
public struct EvolutionRequest: Sendable {
    public var layers: [String]
    public var image: String
    /// nil = every epoch 1…epochs.
    public var epochs: [Int]?

    public init(layers: [String], image: String, epochs: [Int]? = nil) {
        self.layers = layers; self.image = image; self.epochs = epochs
    }
}

/// STEM.evolution/evolution.json, and `evolution` in `train --json`.
public struct EvolutionReport: Codable, Sendable {
    public struct Frame: Codable, Sendable {
        public var epoch: Int
        public var layer: String
        public var channel: Int
        public var meanActivation: Double
        public var png: String
        public var npy: String
    }
    public var image: String
    public var layers: [String]
    public var epochs: [Int]
    public var frames: [Frame]
    public var montage: String?
}

/// The recorder of one training run and its files.
final class EvolutionRun {
    let evolution: FeatureEvolution
    let folder: OutputFolder
    var report: EvolutionReport
    /// The first failure inside the epoch callback (rethrown after `fit`).
    var failure: Error?

    /// Checks the request against the model and `epochs` before any training.
    init(_ request: EvolutionRequest, model: LoadedModel, options: ImageOptions, epochs: Int, folder path: String) throws {
        let chosen = request.epochs ?? Array(1...max(epochs, 1))
        if let late = chosen.first(where: { $0 > epochs }) {
            throw CommandError("--evolution-epochs: epoch \(late) is after the last epoch (\(epochs))")
        }
        let input = try options.load([request.image], for: model)
        evolution = try FeatureEvolution(graph: model.imageGraph, image: input.tensor, layers: request.layers, epochs: chosen)
        folder = try OutputFolder(path)
        report = EvolutionReport(image: request.image, layers: evolution.layers, epochs: evolution.epochs, frames: [], montage: nil)
    }

    /// A resumed run: the frames of epochs up to `completed` from the earlier run's evolution.json.
    func restore(upTo completed: Int) throws {
        let url = URL(fileURLWithPath: folder.path("evolution.json"))
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let earlier = try decoder.decode(EvolutionReport.self, from: Data(contentsOf: url))
        for e in evolution.epochs where e <= completed {
            let frames = evolution.layers.compactMap { l in earlier.frames.first { $0.epoch == e && $0.layer == l } }
            guard frames.count == evolution.layers.count else { continue }
            try evolution.restore(epoch: e, try frames.map { ($0.channel, $0.meanActivation, try NPY.read($0.npy)) })
            report.frames += frames
        }
    }

    /// Records `epoch` (when chosen) and writes its files and evolution.json.
    func record(epoch: Int) throws {
        let projections = try evolution.record(epoch: epoch)
        for p in projections {
            let base = "\(OutputFolder.safe(p.layer))_epoch\(epoch)"
            let png = try folder.png(Projection.image(p.pixels), base + ".png")
            let npy = try folder.npy(p.pixels, base + ".npy")
            report.frames.append(.init(epoch: epoch, layer: p.layer, channel: p.channel, meanActivation: p.meanActivation, png: png, npy: npy))
        }
        if !projections.isEmpty { _ = try folder.json(report, "evolution.json") }
    }

    /// The epoch callback's part: never throws, keeps the first failure.
    func recordQuietly(epoch: Int) {
        guard failure == nil else { return }
        do { try record(epoch: epoch) } catch { failure = error }
    }

    /// After training: rethrows a callback failure, writes the montage and the final evolution.json.
    func finish() throws -> EvolutionReport {
        if let failure { throw failure }
        report.montage = try folder.png(evolution.montage(), "montage.png")
        _ = try folder.json(report, "evolution.json")
        return report
    }
}
