import FileSupport
import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import Training
import TestSupport
import XCTest
@testable import Commands

/// Every file a command writes is either the old file or a complete new one, whenever the command is killed
/// (SIGKILL at many points of a run), and a clean run leaves no temporary file. The export command's test is
/// ExportTests.testExportSurvivesSIGKILL.
final class CrashSafetyTests: XCTestCase {
    /// A 2×2 PNG: the "old" image put at a target before a killed run.
    static let oldPNG: Data = try! PNGCodec.encode(Image(width: 2, height: 2, channels: 3, fill: 7))

    // MARK: train

    /// `convscope train` writes the model (--out), its history (JSON and plot) and, when interrupted, OUT.checkpoint.
    /// Killed while finishing a run, and killed while stopping after SIGINT (writing the checkpoint), every one of
    /// them is the old file or a complete new one; the checkpoint disappears only once the new model is in place.
    func testTrainSurvivesSIGKILL() throws {
        let dir = try tempDir("train-kill")
        let weights = dir.appendingPathComponent("conv.weights.h5").path
        _ = try ExportTests.zooWeights("conv", at: weights, seed: 5)
        let data = dir.appendingPathComponent("data")
        try ExperimentTestSupport.writeImages(count: 6, to: data)
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let model = outDir.appendingPathComponent("model.h5")
        let checkpoint = URL(fileURLWithPath: Train.checkpointPath(model.path))
        let history = outDir.appendingPathComponent("model.history.json"), plot = outDir.appendingPathComponent("model.history.png")
        let harness = try CrashSafetyHarness(folder: outDir)
        func arguments(epochs: Int) -> [String] {
            ["train", weights, "--arch", "conv", "--data", data.path, "--label", "3", "--epochs", "\(epochs)", "--batch", "3",
             "--format", "keras3-h5", "--out", model.path]
        }

        // The old files: another complete model, a small checkpoint of another run, a history and its plot.
        let oldModel = try Data(contentsOf: URL(fileURLWithPath: ExportTests.fixture("tiny.keras3.h5")))
        let oldCheckpoint = try TrainingCheckpoint(model: "old run", seed: 1, position: .init(epoch: 0, batch: 1), optimizerKind: "sgd",
                                                   schedule: LearningRateSchedule(learningRate: 0.01), optimizer: OptimizerState(),
                                                   weights: ["dense": [Tensor(shape: [2, 2], data: [1, 2, 3, 4])]], history: History(),
                                                   earlyStopping: nil).encoded()
        var oldRun = History()
        oldRun.epochs = [EpochLog(epoch: 0, loss: 99, accuracy: 0)]
        let oldHistory = try oldRun.json()
        func putOldFiles() throws {
            try oldModel.write(to: model)
            try oldCheckpoint.write(to: checkpoint)
            try oldHistory.write(to: history)
            try Self.oldPNG.write(to: plot)
        }
        func checkFiles(_ label: String, finished: Bool, interrupted: Bool) throws {
            let modelIsNew = try Data(contentsOf: model) != oldModel
            if finished {
                XCTAssertEqual(modelIsNew, !interrupted, "\(label): a finished run writes the model, an interrupted one keeps the old")
                XCTAssertEqual(FileManager.default.fileExists(atPath: checkpoint.path), interrupted,
                               "\(label): a finished run removes the checkpoint, an interrupted one writes it")
                XCTAssertNotEqual(try Data(contentsOf: history), oldHistory, label)
                XCTAssertNotEqual(try Data(contentsOf: plot), Self.oldPNG, label)
            }
            if modelIsNew {
                let f = try KerasFile.open(model.path, loadValues: true)
                XCTAssertEqual(f.model?.parameterCount, 3_410_184, "\(label): the model is neither the old file nor a complete new one")
            }
            if let now = try? Data(contentsOf: checkpoint) {
                if now != oldCheckpoint {
                    XCTAssertTrue(interrupted, "\(label): a run that was not interrupted wrote a checkpoint")
                    let c = try TrainingCheckpoint(data: now)
                    XCTAssertEqual(c.seed, 0, label)
                    XCTAssertFalse(c.weights.isEmpty, label)
                    XCTAssertFalse(c.optimizer.slots.isEmpty, label)
                }
            } else {
                XCTAssertTrue(modelIsNew, "\(label): the checkpoint was removed before the new model was in place")
            }
            let h = try Data(contentsOf: history)
            if h != oldHistory { XCTAssertNotEqual(try History.decode(h), oldRun, label) }
            let png = try Data(contentsOf: plot)
            if png != Self.oldPNG { XCTAssertGreaterThan(try PNGCodec.decode(png, name: label).width, 100, label) }
        }

        // Runs that finish: killed while writing the history, its plot and the model, then removing the checkpoint.
        try harness.killAtFractions([0.3, 0.7], arguments: { _ in arguments(epochs: 1) }, slowWriteKills: 3,
                                    prepare: { _ in try putOldFiles() },
                                    check: { try checkFiles($0, finished: $1, interrupted: false) })
        // Runs stopped by SIGINT: killed while writing the history, its plot and the checkpoint.
        let clean = try harness.killAtFractions([0.3, 0.7], arguments: { _ in arguments(epochs: 50) },
                                                interruption: .init(signal: SIGINT, marker: "epoch 1/50"), slowWriteKills: 3, cleanStatus: 130,
                                                prepare: { _ in try putOldFiles() },
                                                check: { try checkFiles($0, finished: $1, interrupted: true) })
        XCTAssertTrue(clean.stderr.contains("checkpoint written to \(checkpoint.path)"), clean.stderr)
    }

    // MARK: Images

    /// `convscope deconv` writes a PNG and a .npy per projection and a montage: each is the old file or decodes
    /// to the size the clean run wrote.
    func testImagesSurviveSIGKILL() throws {
        let dir = try tempDir("images-kill")
        let (_, modelPath) = try ExperimentTestSupport.digitsModel()
        let image = ExperimentTestSupport.repoRoot.appendingPathComponent("Fixtures/demo/digit_3.png").path
        let outDir = dir.appendingPathComponent("deconv")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let harness = try CrashSafetyHarness(folder: outDir)
        let oldNPY = NPY.encode(Tensor(shape: [1, 2], data: [1, 2]))

        var expected: [String: [Int]] = [:]   // file → PNG width, height or .npy shape, from the clean run
        func size(of name: String, _ bytes: Data) throws -> [Int] {
            if name.hasSuffix(".png") {
                let img = try PNGCodec.decode(bytes, name: name)
                return [img.width, img.height]
            }
            return try NPY.decode(bytes).shape
        }
        func putOldFiles(_ kill: Int?) throws {
            guard kill != nil else { return }
            if expected.isEmpty {
                for name in harness.snapshot().keys.sorted() {
                    expected[name] = try size(of: name, Data(contentsOf: outDir.appendingPathComponent(name)))
                }
                XCTAssertGreaterThan(expected.keys.filter { $0.hasSuffix(".png") }.count, 10)
            }
            for name in expected.keys {
                try (name.hasSuffix(".png") ? Self.oldPNG : oldNPY).write(to: outDir.appendingPathComponent(name))
            }
        }
        func checkFiles(_ label: String, finished: Bool) throws {
            for name in harness.snapshot().keys.sorted() where !AtomicFile.isTemporaryName((name as NSString).lastPathComponent) {
                let bytes = try Data(contentsOf: outDir.appendingPathComponent(name))
                if bytes == Self.oldPNG || bytes == oldNPY {
                    XCTAssertFalse(finished, "\(label): a finished run left the old \(name)")
                    continue
                }
                let found = try size(of: name, bytes)
                if let e = expected[name] {
                    XCTAssertEqual(found, e, "\(label): \(name)")
                } else {
                    XCTAssertTrue(expected.isEmpty, "\(label): \(name) was not written by the clean run")
                }
            }
        }
        try harness.killAtFractions([0.1, 0.35, 0.6, 0.85],
                                    arguments: { _ in ["deconv", modelPath, image, "--all-layers", "--top", "2", "--out", outDir.path] },
                                    prepare: putOldFiles, check: checkFiles)
    }

    // MARK: experiment

    /// `convscope experiment` (one tiny round) writes round files, figures, results.json, table3.csv, timings.json
    /// and report.html: results.json is the old file or parses and follows its schema, report.html the old file or
    /// a page that ends with </html>, every PNG decodes, every JSON parses.
    func testExperimentReportSurvivesSIGKILL() throws {
        let dir = try tempDir("experiment-kill")
        let (_, modelPath) = try ExperimentTestSupport.digitsModel()
        let images = dir.appendingPathComponent("images")
        try ExperimentTestSupport.writeImages(count: 6, to: images, prefix: "cat")
        let outDir = dir.appendingPathComponent("experiment")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let harness = try CrashSafetyHarness(folder: outDir)
        let schema = try MiniJSONSchema(String(contentsOf: ExperimentTestSupport.repoRoot.appendingPathComponent("Schemas/experiment.schema.json"),
                                               encoding: .utf8))
        let old = ["report.html": Data("<!DOCTYPE html><html><body>old report</body></html>\n".utf8),
                   "results.json": Data("{\"old\": true}\n".utf8), "table3.csv": Data("old\n".utf8), "timings.json": Data("{}\n".utf8)]

        func putOldFiles(_ kill: Int?) throws {
            for (name, bytes) in old { try bytes.write(to: outDir.appendingPathComponent(name)) }
        }
        func checkFiles(_ label: String, finished: Bool) throws {
            for name in harness.snapshot().keys.sorted() where !AtomicFile.isTemporaryName((name as NSString).lastPathComponent) {
                let bytes = try Data(contentsOf: outDir.appendingPathComponent(name))
                if bytes == old[name] {
                    XCTAssertFalse(finished, "\(label): a finished run left the old \(name)")
                    continue
                }
                let text = String(decoding: bytes, as: UTF8.self)
                switch (name as NSString).pathExtension {
                case "png": XCTAssertGreaterThan(try PNGCodec.decode(bytes, name: name).width, 0, "\(label): \(name)")
                case "npy": XCTAssertEqual(try NPY.decode(bytes).shape, [1, 32, 32, 3], "\(label): \(name)")
                case "json": XCTAssertNoThrow(try JSONParser().parse(text), "\(label): \(name)")
                case "html": XCTAssertTrue(text.hasSuffix("</html>\n"), "\(label): \(name) is cut short")
                case "csv": XCTAssertEqual(text.split(separator: "\n").count, 3, "\(label): \(name)")
                default: XCTFail("\(label): unexpected file \(name)")
                }
                if name == "results.json" {
                    XCTAssertEqual(try schema.validate(text), [], "\(label): results.json")
                }
            }
        }
        // Besides the usual points: just after timings.json (report.html is being made and written next) and just
        // after report.html (results.json next).
        try harness.killAtFractions([0.15, 0.5, 0.85],
                                    arguments: { _ in ExperimentTestSupport.tinyExperimentArguments(model: modelPath, images: images.path,
                                                                                                    rounds: 1, out: outDir.path) },
                                    slowWriteKills: 2, afterWriting: ["timings.json", "report.html"],
                                    prepare: putOldFiles, check: checkFiles)
        let report = try String(contentsOf: outDir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.hasSuffix("</html>\n"))
    }
}
