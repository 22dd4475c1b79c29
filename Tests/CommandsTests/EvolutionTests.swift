import Failure
import Foundation
import Imaging
import Tensor
import Visualize
import XCTest
@testable import Commands
@testable import Training

/// `train --evolution` (Zeiler & Fergus Fig. 4): each recorded projection equals the DeconvNet of the weights
/// at that epoch (training is deterministic with a seed, so a shorter run gives them), the montage has epochs
/// across and layers down, and bad values are refused before training.
final class EvolutionTests: XCTestCase {
    func settings(epochs: Int) -> TrainSettings {
        var s = TrainSettings()
        s.epochs = epochs
        s.batch = 5
        s.validationSplit = 0
        s.seed = 3
        return s
    }

    func testProjectionsEqualTheDeconvNetOfEachEpochsWeightsAndTheMontageGrid() throws {
        let data = try ExperimentTestSupport.tempDir("evo-data")
        try ExperimentTestSupport.writeImages(count: 8, to: data)
        let image = data.appendingPathComponent("img_03.png").path
        let out = try ExperimentTestSupport.tempDir("evo-out")
        let layers = ["conv2", "pool4"]
        let (model, path) = try ExperimentTestSupport.digitsModel()
        let file = out.appendingPathComponent("digits.h5").path
        let r = try Train.run(model: model, modelPath: path, data: .folder(data.path), label: 3, settings: settings(epochs: 2),
                              options: ImageOptions(), out: file, format: .same, resume: false, quiet: true,
                              evolution: EvolutionRequest(layers: layers, image: image, epochs: [0, 1, 2]), shouldStop: { false })
        let e = try XCTUnwrap(r.evolution)
        XCTAssertEqual(e.epochs, [0, 1, 2])
        XCTAssertEqual(e.frames.map(\.epoch), [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(e.frames.map(\.layer), layers + layers + layers)

        // The weights at the end of epoch E: a fresh copy trained for E epochs with the same seed.
        for epoch in [0, 1, 2] {
            let (m, _) = try ExperimentTestSupport.digitsModel()
            if epoch > 0 {
                let t = try Train.trainer(for: m, settings: settings(epochs: epoch), options: ImageOptions())
                let all = try Train.dataset(.folder(data.path), label: 3, model: m, options: ImageOptions())
                _ = try t.fit(all)
            }
            let input = try ImageOptions().load([image], for: m)
            let expected = try FeatureProjector(graph: m.imageGraph).project(input.tensor, layers: layers, selection: .strongest,
                                                                              rule: .deconvnet, seed: .activation)
            for (p, f) in zip(expected, e.frames.filter { $0.epoch == epoch }) {
                XCTAssertEqual(f.channel, p.channel, "epoch \(epoch) \(p.layer): strongest channel")
                let saved = try NPY.read(f.npy)
                XCTAssertEqual(saved.shape, p.pixels.shape)
                XCTAssertEqual(saved, p.pixels, "epoch \(epoch) \(p.layer): the projection of that epoch's weights")
            }
        }
        XCTAssertNotEqual(try NPY.read(e.frames[0].npy), try NPY.read(e.frames[4].npy), "training changed the projection")

        // Montage: 3 epochs across, 2 layers down; tiles 32x32 zoomed ×3, 6 px padding, one caption line each.
        let montage = try PNGCodec.decode(Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(e.montage))))
        let captions = e.frames.map { "\($0.layer) #\($0.channel) e\($0.epoch)" }
        let cell = max(96, captions.map { BitmapFont.size(of: $0).width }.max()!)
        XCTAssertEqual(montage.width, 3 * cell + 4 * 6)
        XCTAssertEqual(montage.height, 2 * (96 + BitmapFont.glyphHeight + 3) + 3 * 6)
        // evolution.json next to the frames says the same.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("digits.evolution/evolution.json"))) as! [String: Any]
        XCTAssertEqual((json["frames"] as! [Any]).count, 6)
        XCTAssertEqual(json["montage"] as? String, e.montage)
    }

    func testBadEvolutionValuesAreRefusedBeforeTraining() throws {
        let data = try ExperimentTestSupport.tempDir("evo-bad")
        try ExperimentTestSupport.writeImages(count: 2, to: data)
        let image = data.appendingPathComponent("img_00.png").path
        let out = try ExperimentTestSupport.tempDir("evo-bad-out")
        let cases: [(EvolutionRequest, String)] = [
            (EvolutionRequest(layers: ["conv2"], image: image, epochs: [1, 5]), "epoch 5 is after the last epoch (2)"),
            (EvolutionRequest(layers: ["conv2"], image: image, epochs: [-1]), "epoch -1 is negative"),
            (EvolutionRequest(layers: ["conv2"], image: image, epochs: [1, 1]), "listed twice"),
            (EvolutionRequest(layers: ["nope"], image: image, epochs: [1]), "nope"),
            (EvolutionRequest(layers: ["dense1"], image: image, epochs: [1]), "not a convolution or pooling layer"),
            (EvolutionRequest(layers: ["conv2"], image: data.appendingPathComponent("missing.png").path, epochs: [1]), "missing.png"),
        ]
        for (request, needle) in cases {
            let (m, path) = try ExperimentTestSupport.digitsModel()
            let file = out.appendingPathComponent("m.h5").path
            XCTAssertThrowsError(try Train.run(model: m, modelPath: path, data: .folder(data.path), label: 3, settings: settings(epochs: 2),
                                               options: ImageOptions(), out: file, format: .same, resume: false, quiet: true,
                                               evolution: request, shouldStop: { false })) { error in
                XCTAssertTrue(String(describing: error).contains(needle), "\(error)")
                XCTAssertEqual((error as? any ConvScopeFailure)?.exitCode, 2, "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: file), "nothing trained or written")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("m.history.json").path))
        }
    }

    /// An interrupted run resumed with --resume gives the frames of an uninterrupted one (the earlier epochs read back).
    func testResumedRunKeepsTheEarlierFrames() throws {
        let data = try ExperimentTestSupport.tempDir("evo-resume")
        try ExperimentTestSupport.writeImages(count: 8, to: data)
        let image = data.appendingPathComponent("img_02.png").path
        let request = EvolutionRequest(layers: ["conv1", "conv4"], image: image, epochs: [0, 1, 2])
        func run(_ dir: URL, resume: Bool, stopAfter batches: Int?) throws -> TrainReport {
            let (m, path) = try ExperimentTestSupport.digitsModel()
            var calls = 0
            return try Train.run(model: m, modelPath: path, data: .folder(data.path), label: 3, settings: settings(epochs: 2),
                                 options: ImageOptions(), out: dir.appendingPathComponent("m.h5").path, format: .same, resume: resume,
                                 quiet: true, evolution: request,
                                 shouldStop: { calls += 1; return batches.map { calls >= $0 } ?? false })
        }
        let whole = try run(try ExperimentTestSupport.tempDir("evo-whole"), resume: false, stopAfter: nil).evolution!
        let dir = try ExperimentTestSupport.tempDir("evo-split")
        XCTAssertThrowsError(try run(dir, resume: false, stopAfter: 3))          // 2 batches an epoch: stops in epoch 2
        let resumed = try run(dir, resume: true, stopAfter: nil).evolution!
        XCTAssertEqual(resumed.frames.map(\.epoch), [0, 0, 1, 1, 2, 2])
        for (a, b) in zip(whole.frames, resumed.frames) {
            XCTAssertEqual(a.channel, b.channel)
            XCTAssertEqual(try NPY.read(a.npy), try NPY.read(b.npy), "epoch \(a.epoch) \(a.layer)")
        }
        XCTAssertEqual(try PNGCodec.decode(Data(contentsOf: URL(fileURLWithPath: whole.montage!))).width,
                       try PNGCodec.decode(Data(contentsOf: URL(fileURLWithPath: resumed.montage!))).width)
    }
}
