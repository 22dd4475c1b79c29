import Foundation
import Graph
import Imaging
import KerasIO
import Training
import TestSupport
import XCTest
@testable import Commands
@testable import Study

/// SIGINT and SIGTERM during `convscope train` and `convscope experiment` (the real binary): the command stops at
/// the next safe point, keeps its checkpoint, exits 130 with a message naming the signal's effect, leaves no
/// temporary file, and `--resume` continues from what it kept.
final class StopSignalTests: XCTestCase {
    func assertStopped(_ r: CrashSafetyHarness.Outcome, saying message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.killedBySignal, "ended by signal \(r.status) instead of stopping: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.status, 130, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("stopping after the current step"), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "expected '\(message)' in:\n\(r.stderr)", file: file, line: line)
    }

    func testTrainStopsOnSIGINTAndSIGTERMKeepingTheCheckpoint() throws {
        let dir = try tempDir("train-signal")
        let (_, modelPath) = try ExperimentTestSupport.digitsModel()
        let data = dir.appendingPathComponent("data")
        try ExperimentTestSupport.writeImages(count: 8, to: data)
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let model = outDir.appendingPathComponent("model.h5")
        let checkpoint = URL(fileURLWithPath: Train.checkpointPath(model.path))
        let oldModel = try Data(contentsOf: URL(fileURLWithPath: ExportTests.fixture("tiny.keras3.h5")))
        try oldModel.write(to: model)
        let harness = try CrashSafetyHarness(folder: outDir)
        let arguments = ["train", modelPath, "--data", data.path, "--label", "3", "--epochs", "4", "--batch", "1", "--seed", "9",
                         "--out", model.path]

        for (signal, how) in [(SIGINT, "interrupted"), (SIGTERM, "terminated")] {
            let r = try harness.run(arguments, interruption: .init(signal: signal, marker: "epoch 1/4"))
            assertStopped(r, saying: "\(how) in epoch ")
            XCTAssertTrue(r.stderr.contains("checkpoint written to \(checkpoint.path)"), r.stderr)
            let c = try TrainingCheckpoint.read(from: checkpoint)
            XCTAssertEqual(c.seed, 9)
            XCTAssertTrue(r.stderr.contains("\(how) in epoch \(c.position.epoch + 1) after batch \(c.position.batch);"),
                          "the checkpoint is where the message says: \(c.position)\n\(r.stderr)")
            XCTAssertLessThan(c.position.epoch, 4)
            XCTAssertEqual(try Data(contentsOf: model), oldModel, "a stopped run leaves the old model")
            XCTAssertEqual(harness.temporaryFiles(), [])
        }

        let resumed = try harness.run(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming from \(checkpoint.path) at epoch "), resumed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path), "the checkpoint is removed once the model is written")
        XCTAssertEqual(try KerasFile.open(model.path).model?.parameterCount,
                       try KerasFile.open(modelPath, loadValues: false).model?.parameterCount)
        XCTAssertEqual(harness.temporaryFiles(), [])
    }

    func testExperimentStopsOnSIGINTAndSIGTERMKeepingFinishedRounds() throws {
        let dir = try tempDir("experiment-signal")
        let (_, modelPath) = try ExperimentTestSupport.digitsModel()
        let images = dir.appendingPathComponent("images")
        try ExperimentTestSupport.writeImages(count: 6, to: images, prefix: "cat")
        let out = dir.appendingPathComponent("experiment")
        let harness = try CrashSafetyHarness(folder: dir)
        let arguments = ExperimentTestSupport.tinyExperimentArguments(model: modelPath, images: images.path, rounds: 2, out: out.path)
        let rounds = out.appendingPathComponent("rounds")
        func finishedRounds() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: rounds.path)) ?? []).filter { $0.hasPrefix("round_") && $0.hasSuffix(".json") }.sorted()
        }

        // SIGINT in round 1: nothing finished to keep.
        let first = try harness.run(arguments, interruption: .init(signal: SIGINT, marker: "round 1 of 2:"))
        assertStopped(first, saying: "interrupted in round 1")
        XCTAssertEqual(finishedRounds(), [])
        // SIGTERM in round 2: round 1 is kept.
        let second = try harness.run(arguments, interruption: .init(signal: SIGTERM, marker: "round 2 of 2:"))
        assertStopped(second, saying: "terminated in round 2")
        XCTAssertEqual(finishedRounds(), ["round_001.json"])
        let kept = try Data(contentsOf: rounds.appendingPathComponent("round_001.json"))
        XCTAssertEqual(try RoundCheckpoint.decoder().decode(RoundRecord.self, from: kept).result.round, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.json").path))
        XCTAssertEqual(harness.temporaryFiles(), [])

        let resumed = try harness.run(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("round 1 of 2: done earlier, kept"), resumed.stderr)
        XCTAssertEqual(try Data(contentsOf: rounds.appendingPathComponent("round_001.json")), kept, "the kept round was not redone")
        let results = try JSONParser().parse(String(contentsOf: out.appendingPathComponent("results.json"), encoding: .utf8))
        XCTAssertEqual(results["rounds"]?.arrayValue?.count, 2)
        XCTAssertEqual(harness.temporaryFiles(), [])
    }
}
