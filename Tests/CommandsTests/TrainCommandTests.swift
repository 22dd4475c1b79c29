import Foundation
import Imaging
import KerasIO
import Tensor
import XCTest
@testable import Commands
@testable import Training

/// `convscope train` end to end on the bundled digits model and a tiny folder dataset made here.
final class TrainCommandTests: XCTestCase {
    /// 10 class folders ("0" … "9") of 2 synthetic images each.
    func makeData() throws -> URL {
        let root = try ExperimentTestSupport.tempDir("train-data")
        for k in 0..<10 {
            try ExperimentTestSupport.writeImages(count: 2, to: root.appendingPathComponent("\(k)"), seedOffset: 10 * k)
        }
        return root
    }

    func settings() -> TrainSettings {
        var s = TrainSettings()
        s.epochs = 2
        s.batch = 6
        s.validationSplit = 0.2
        s.seed = 7
        s.augmentation = Augmentation(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, horizontalFlip: true)
        return s
    }

    /// All variables of every layer, by layer name.
    func weights(_ m: LoadedModel) -> [String: [Tensor]] {
        var out: [String: [Tensor]] = [:]
        for l in m.graph.layers where !l.weights.isEmpty { out[l.name] = l.weights.map(\.value) }
        return out
    }

    func testTrainTwoEpochsWritesHistoryPlotAndAKerasFileWithTheTrainedWeights() throws {
        let data = try makeData()
        let out = try ExperimentTestSupport.tempDir("train-out")
        let (model, path) = try ExperimentTestSupport.digitsModel()
        let before = weights(model)
        for format: KerasFormatChoice in [.same, .format(.keras3Weights), .format(.keras)] {
            let (m, _) = try ExperimentTestSupport.digitsModel()
            let file = out.appendingPathComponent(format == .format(.keras) ? "digits.keras" : (format == .format(.keras3Weights) ? "digits.weights.h5" : "digits.h5")).path
            let r = try Train.run(model: m, modelPath: path, data: .folder(data.path), label: nil, settings: settings(),
                                  options: ImageOptions(), out: file, format: format, resume: false, quiet: true,
                                  shouldStop: { false })
            XCTAssertEqual(r.outcome, "completed")
            XCTAssertEqual(r.epochs.count, 2)
            XCTAssertEqual(r.trainImages, 16)
            XCTAssertEqual(r.validationImages, 4)
            XCTAssertNotNil(r.epochs[0].valLoss)
            // History JSON and plot.
            let h = try History.decode(Data(contentsOf: URL(fileURLWithPath: r.history)))
            XCTAssertEqual(h.epochs.map(\.loss), r.epochs.map(\.loss))
            let plot = try PNGCodec.decode(Data(contentsOf: URL(fileURLWithPath: r.plot)))
            XCTAssertGreaterThan(plot.width, 100)
            XCTAssertFalse(FileManager.default.fileExists(atPath: Train.checkpointPath(file)), "checkpoint removed after a finished run")
            // The exported file opens and holds exactly the trained weights.
            let trained = weights(m)
            XCTAssertNotEqual(trained["conv1"], before["conv1"], "training changed the weights")
            let back: LoadedModel
            if format == .format(.keras3Weights) {
                let opened = try KerasFile.open(file)
                XCTAssertNil(opened.model, "weights-only file")
                let (fresh, _) = try ExperimentTestSupport.digitsModel()
                try KerasFile.attach(weightsFile: file, to: fresh.model)
                back = fresh
            } else {
                let opened = try KerasFile.open(file)
                let model = try XCTUnwrap(opened.model, "\(format): full model")
                back = LoadedModel(graph: model.graph, model: model, file: opened, arch: nil, attachment: opened.attachment)
            }
            let loaded = weights(back)
            XCTAssertEqual(Set(loaded.keys), Set(trained.keys), format.rawValue)
            for (k, v) in trained { XCTAssertEqual(loaded[k], v, "\(format): \(k)") }
        }
    }

    func testResumeAfterInterruptionEqualsAStraightRun() throws {
        let data = try makeData()
        let out = try ExperimentTestSupport.tempDir("train-resume")
        let straightFile = out.appendingPathComponent("straight.h5").path
        let (a, path) = try ExperimentTestSupport.digitsModel()
        let ra = try Train.run(model: a, modelPath: path, data: .folder(data.path), label: nil, settings: settings(), options: ImageOptions(),
                               out: straightFile, format: .format(.keras3H5), resume: false, quiet: true, shouldStop: { false })
        // Interrupted after 4 batches (epoch 2, batch 2 of 3), then resumed in a new process state.
        let file = out.appendingPathComponent("resumed.h5").path
        let (b, _) = try ExperimentTestSupport.digitsModel()
        var batches = 0
        XCTAssertThrowsError(try Train.run(model: b, modelPath: path, data: .folder(data.path), label: nil, settings: settings(),
                                           options: ImageOptions(), out: file, format: .format(.keras3H5), resume: false, quiet: true,
                                           shouldStop: { batches += 1; return batches == 4 })) { error in
            let e = error as? CommandError
            XCTAssertEqual(e?.exitCode, 130)
            XCTAssertEqual(e?.kind, .interrupted, "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: Train.checkpointPath(file)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file), "no model written when interrupted")
        let (c, _) = try ExperimentTestSupport.digitsModel()
        let rc = try Train.run(model: c, modelPath: path, data: .folder(data.path), label: nil, settings: settings(), options: ImageOptions(),
                               out: file, format: .format(.keras3H5), resume: true, quiet: true, shouldStop: { false })
        XCTAssertEqual(rc.resumedFrom, Train.checkpointPath(file))
        XCTAssertEqual(ra.epochs.map(\.loss), rc.epochs.map(\.loss))
        XCTAssertEqual(ra.epochs.map(\.valLoss), rc.epochs.map(\.valLoss))
        XCTAssertEqual(weights(a), weights(c), "resumed weights equal the straight run's bit for bit")
        // And the two files hold the same weights.
        let fa = try XCTUnwrap(KerasFile.open(straightFile).model), fc = try XCTUnwrap(KerasFile.open(file).model)
        for (la, lc) in zip(fa.graph.layers, fc.graph.layers) { XCTAssertEqual(la.weights.map(\.value), lc.weights.map(\.value), la.name) }
    }

    func testOptionParsing() throws {
        let a = try XCTUnwrap(Augmentation.parse(option: "rotation=20,shift=0.2,flip"))
        XCTAssertEqual(a, Augmentation.paper)
        XCTAssertNil(try Augmentation.parse(option: "none"))
        XCTAssertThrowsError(try Augmentation.parse(option: "zoom=0.2"))
        let e = try XCTUnwrap(EarlyStopping.parse(option: "monitor=loss,min-delta=0.001,patience=3,restore"))
        XCTAssertEqual(e.monitor, .loss)
        XCTAssertEqual(e.minDelta, 0.001)
        XCTAssertEqual(e.patience, 3)
        XCTAssertTrue(e.restoreBestWeights)
        XCTAssertThrowsError(try EarlyStopping.parse(option: "monitor=val_acc"))
        XCTAssertEqual(TrainData("cifar10:/data/cifar"), .cifar10("/data/cifar"))
        XCTAssertEqual(TrainData("/data/cats"), .folder("/data/cats"))
    }

    func testCIFAR10BatchesAndClearRefusals() throws {
        // Two CIFAR-10 records written in the published binary layout.
        let dir = try ExperimentTestSupport.tempDir("cifar")
        var bytes = [UInt8]()
        for label in [3, 5] {
            bytes.append(UInt8(label))
            for i in 0..<(3 * 32 * 32) { bytes.append(UInt8((i * 7 + label * 13) % 256)) }
        }
        try Data(bytes).write(to: dir.appendingPathComponent("data_batch_1.bin"))
        let (m, _) = try ExperimentTestSupport.digitsModel()
        let d = try Train.dataset(.cifar10(dir.path), label: nil, model: m, options: ImageOptions())
        XCTAssertEqual(d.labels, [3, 5])
        XCTAssertEqual(d.classCount, 10)
        // A folder with the wrong number of classes, and a missing checkpoint, are refused with a message.
        let wrong = try ExperimentTestSupport.tempDir("wrong")
        try ExperimentTestSupport.writeImages(count: 2, to: wrong.appendingPathComponent("a"))
        XCTAssertThrowsError(try Train.dataset(.folder(wrong.path), label: nil, model: m, options: ImageOptions())) { e in
            guard case .badData = e as? TrainingError else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(try Train.dataset(.folder(wrong.path), label: 4, model: m, options: ImageOptions()).labels, [4, 4])
        // Output names Keras could not load are refused before any training.
        XCTAssertThrowsError(try m.exportFormat(.format(.keras3Weights), out: "trained.h5")) { e in
            XCTAssertEqual((e as? KerasIOError)?.kind, .unloadableName, "\(e)")
        }
        XCTAssertThrowsError(try m.exportFormat(.format(.keras), out: "trained.h5"))
        XCTAssertEqual(try m.exportFormat(.same, out: "trained.h5"), .keras3H5)
        XCTAssertThrowsError(try Train.run(model: m, modelPath: "x", data: .folder(wrong.path), label: 4, settings: settings(),
                                           options: ImageOptions(), out: wrong.appendingPathComponent("o.h5").path, format: .same,
                                           resume: true, quiet: true, shouldStop: { false })) { e in
            XCTAssertEqual((e as? CommandError)?.kind, .noCheckpoint, "\(e)")
        }
    }
}
