import Foundation
import Imaging
import Study
import XCTest
@testable import Commands

/// `convscope experiment` end to end, small: the bundled Conv-like digits model, 2 rounds, 6 synthetic
/// images, 1 epoch, 4 maximization steps, matching at 96x96.
final class ExperimentTests: XCTestCase {
    static let images: URL = {
        let dir = try! ExperimentTestSupport.tempDir("experiment-images")
        try! ExperimentTestSupport.writeImages(count: 6, to: dir, prefix: "cat")
        return dir
    }()

    func settings() -> ExperimentSettings {
        var s = ExperimentSettings()
        s.classIndex = 3
        s.rounds = 2
        s.seed = 11
        s.training.epochs = 2
        s.training.batch = 4
        s.maximizeSteps = 4
        s.matchSize = 96
        s.ransacTrials = 30
        return s
    }

    func run(_ out: URL, resume: Bool = false, shouldStop: @escaping () -> Bool = { false }) throws -> ExperimentResults {
        let (m, _) = try ExperimentTestSupport.digitsModel()
        return try Experiment.run(model: m, modelName: "digits_conv.h5", imagesDir: Self.images.path, settings: settings(),
                                  options: ImageOptions(), out: out.path, resume: resume, quiet: true, shouldStop: shouldStop)
    }

    func results(_ out: URL) throws -> Data { try Data(contentsOf: out.appendingPathComponent("results.json")) }

    /// One uninterrupted run, shared by the checks below (the slow part).
    static var reference: (URL, ExperimentResults)?
    func referenceRun() throws -> (URL, ExperimentResults) {
        if let r = Self.reference { return r }
        let out = try ExperimentTestSupport.tempDir("experiment-a")
        let r = (out, try run(out))
        Self.reference = r
        return r
    }

    func testResultsMatchTheSchemaAndEveryFigureIsAPNG() throws {
        let (out, r) = try referenceRun()
        let schema = try MiniJSONSchema(String(contentsOf: ExperimentTestSupport.repoRoot.appendingPathComponent("Schemas/experiment.schema.json"), encoding: .utf8))
        let errors = try schema.validate(String(decoding: try results(out), as: UTF8.self))
        XCTAssertEqual(errors, [], errors.prefix(10).joined(separator: "\n"))
        XCTAssertEqual(r.rounds.count, 2)
        XCTAssertEqual(r.images.count, 6)
        XCTAssertEqual(r.figure6.count, 4)
        for round in r.rounds {
            for phase in [round.before, round.after] {
                XCTAssertEqual(phase.sift.contributions.count, 6)
                let total = phase.harris.contributions.reduce(0, +)
                XCTAssertTrue(total == 0 || abs(total - 1) < 1e-9, "contributions sum to 1 (or no inliers at all)")
                XCTAssertTrue(phase.bow.maxScore >= 0 && phase.bow.maxScore <= 1 + 1e-9)
            }
            XCTAssertEqual(round.weightChange.map(\.layer), ["conv1", "conv2", "conv3", "conv4", "dense1", "dense2"])
            XCTAssertTrue(round.weightChange.allSatisfy { $0.relativeChange > 0 }, "retraining moved every layer")
        }
        // Every figure exists as its own PNG and decodes; so do the round reconstructions.
        let expected = ["figure6_sift_before", "figure6_sift_after", "figure6_harris_before", "figure6_harris_after", "figure7_before",
                        "figure7_after", "reconstructions", "deconv_before", "deconv_after", "weight_change", "training_curves", "evolution"]
        XCTAssertEqual(Set(r.figures.keys), Set(expected))
        for (name, file) in r.figures {
            let img = try PNGCodec.decode(Data(contentsOf: out.appendingPathComponent(file)), name: name)
            XCTAssertGreaterThan(img.width, 20, name)
            XCTAssertGreaterThan(img.height, 20, name)
        }
        for round in r.rounds { for p in [round.before.image, round.after.image] {
            XCTAssertEqual(try PNGCodec.decode(Data(contentsOf: out.appendingPathComponent(p))).width, 32)
        } }
        // Table 3 as CSV, timings apart, and the report embeds every figure.
        let csv = try String(contentsOf: out.appendingPathComponent("table3.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("phase,mean_max_score,median_max_score,rounds\nbefore,"), csv)
        XCTAssertEqual(csv.split(separator: "\n").count, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("timings.json").path))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<img src=\"data:image/png;base64,").count - 1, expected.count)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(html.contains("matching rule") && html.contains("trusted: mutual nearest neighbours"), "the report says which matching was used")
        XCTAssertEqual(r.settings.matching.rawValue, "trusted")
        XCTAssertFalse(html.contains("http://") || html.contains("https://"))
    }

    func testSameSeedGivesTheSameResults() throws {
        let (a, _) = try referenceRun()
        let b = try ExperimentTestSupport.tempDir("experiment-b")
        _ = try run(b)
        XCTAssertEqual(try results(a), try results(b), "results.json is reproducible")
        XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("table3.csv")), try Data(contentsOf: b.appendingPathComponent("table3.csv")))
    }

    func testResumeAfterAnInterruptionEqualsAnUninterruptedRun() throws {
        let (a, _) = try referenceRun()
        let c = try ExperimentTestSupport.tempDir("experiment-c")
        // Stop during round 2's training (the stop flag is polled between stages and after every batch).
        var polls = 0, roundFiles = 0
        XCTAssertThrowsError(try run(c, shouldStop: {
            polls += 1
            roundFiles = (try? FileManager.default.contentsOfDirectory(atPath: c.appendingPathComponent("rounds").path))?
                .filter { $0.hasSuffix(".json") && $0.hasPrefix("round_") }.count ?? 0
            return roundFiles == 1 && polls > 8
        })) { error in
            XCTAssertEqual((error as? StudyError)?.exitCode, 130, "\(error)")
        }
        XCTAssertEqual(roundFiles, 1, "round 1 was finished and checkpointed before the interruption")
        XCTAssertFalse(FileManager.default.fileExists(atPath: c.appendingPathComponent("results.json").path))
        let round1 = try Data(contentsOf: c.appendingPathComponent("rounds/round_001.json"))
        _ = try run(c, resume: true)
        XCTAssertEqual(try Data(contentsOf: c.appendingPathComponent("rounds/round_001.json")), round1, "the finished round was not redone")
        XCTAssertEqual(try results(a), try results(c), "resumed results equal the uninterrupted run's")
        // Resuming with different settings is refused.
        var other = settings()
        other.seed = 12
        let (m, _) = try ExperimentTestSupport.digitsModel()
        XCTAssertThrowsError(try Experiment.run(model: m, modelName: "digits_conv.h5", imagesDir: Self.images.path, settings: other,
                                                options: ImageOptions(), out: c.path, resume: true, quiet: true)) { e in
            XCTAssertTrue("\(e)".contains("different study"), "\(e)")
        }
    }

    func testResumingARunFromBeforeTheMatchingRuleSaysThePapersWasUsed() throws {
        let (a, _) = try referenceRun()
        let old = try ExperimentTestSupport.tempDir("experiment-old")
        try? FileManager.default.removeItem(at: old)
        try FileManager.default.copyItem(at: a, to: old)
        // What an older convscope left: no settings.matching in the manifest, nor in results.json.
        for file in ["rounds/manifest.json", "results.json"] {
            let url = old.appendingPathComponent(file)
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var s = object["settings"] as! [String: Any]
            XCTAssertNotNil(s.removeValue(forKey: "matching"), file)
            object["settings"] = s
            try JSONSerialization.data(withJSONObject: object).write(to: url)
        }
        let r = try run(old, resume: true)
        XCTAssertEqual(r.settings.matching, .paper, "the old rounds were matched with the paper's rule")
        let html = try String(contentsOf: old.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("matching rule") && html.contains("paper: ") && html.contains("many-to-one kept"), "the resumed report says which matching was used")
        let written = try JSONSerialization.jsonObject(with: results(old)) as! [String: Any]
        XCTAssertEqual((written["settings"] as? [String: Any])?["matching"] as? String, "paper")
    }

    /// The report in a real browser: Tests/report_check.sh (headless chromium) screenshots it, and checks
    /// there are no console errors and that every image loaded. scripts/test.sh installs chromium and sets
    /// CONVSCOPE_CHROMIUM=1.
    func testReportOpensInAHeadlessBrowser() throws {
        guard ProcessInfo.processInfo.environment["CONVSCOPE_CHROMIUM"] == "1" else {
            XCTFail("the browser check of report.html needs chromium: run scripts/test.sh (it installs chromium and sets CONVSCOPE_CHROMIUM=1), or set CONVSCOPE_CHROMIUM=1 with chromium installed")
            return
        }
        let (out, _) = try referenceRun()
        let shot = out.appendingPathComponent("report-screenshot.png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [ExperimentTestSupport.repoRoot.appendingPathComponent("Tests/report_check.sh").path,
                       out.appendingPathComponent("report.html").path, shot.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(output)
        XCTAssertEqual(p.terminationStatus, 0, output)
        let img = try PNGCodec.decode(Data(contentsOf: shot))
        XCTAssertEqual(img.width, 1280)
    }
}
