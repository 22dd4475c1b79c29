import Commands
import Foundation
import Imaging
import KerasIO
import Matching
import Study
import Tensor
import Zoo

/// `convscope bench experiment`: wall time of full experiment rounds and each stage's share.
public enum ExperimentBenchmark {
    public struct Result: Codable {
        public var model: String
        public var images: Int
        public var imageSize: Int
        public var rounds: Int
        public var threads: Int
        public var secondsPerRound: Double
        public var totalSeconds: Double
        /// Seconds per stage, summed over the timed rounds.
        public var stageSeconds: [String: Double]
        public var stageShares: [String: Double]
        /// secondsPerRound · 20: the paper's 20-round study at this speed.
        public var projected20RoundsSeconds: Double
    }

    /// A built-in architecture with seeded random weights (for timing; the numbers do not depend on them).
    public static func randomModel(arch: String, seed: UInt64 = 1) throws -> LoadedModel {
        let (graph, config) = try Zoo.model(named: arch)
        ForwardBenchmark.randomizeWeights(graph, seed: seed)
        return LoadedModel(graph: graph, model: KerasModel.wrapping(graph, config: config), file: nil, arch: arch, attachment: nil)
    }

    /// Writes `count` seeded synthetic scenes (SyntheticScene) of `size`×`size` as PNG into `dir`.
    public static func writeSyntheticImages(count: Int, size: Int, to dir: String) throws {
        let folder = try OutputFolder(dir)
        for i in 0..<count {
            try folder.png(SyntheticScene.image(seed: UInt64(1000 + i), width: size, height: size), String(format: "scene_%03d.png", i))
        }
    }

    /// `convscope bench experiment`: `rounds` rounds of `arch` with random weights (or the weights of
    /// `model`) on `count` synthetic 224x224 scenes (or the images in `images`), in a scratch folder
    /// that is removed afterwards.
    public static func measure(arch: String, model: String?, images: String?, count: Int, rounds: Int, epochs: Int,
                               classIndex: Int, threads: Int?, quiet: Bool) throws -> Result {
        if let threads { Threading.set(threads) }
        let m = try model.map { try ModelLoader.load($0, arch: arch) } ?? randomModel(arch: arch)
        let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("convscope-bench-experiment-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var dir = images
        var n = count, size = 224
        if dir == nil {
            let d = (scratch as NSString).appendingPathComponent("images")
            try writeSyntheticImages(count: count, size: 224, to: d)
            dir = d
        } else {
            n = try FileManager.default.contentsOfDirectory(atPath: dir!).count
            size = 0
        }
        var s = ExperimentSettings()
        s.rounds = rounds
        s.classIndex = classIndex
        s.training.epochs = epochs
        return try run(model: m, name: model.map { ($0 as NSString).lastPathComponent } ?? "\(arch) (random weights)",
                       imagesDir: dir!, images: n, imageSize: size, settings: s, options: ImageOptions(),
                       scratch: (scratch as NSString).appendingPathComponent("out"),
                       threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, quiet: quiet)
    }

    /// Runs `settings.rounds` rounds in a scratch folder and summarises the stage timings.
    public static func run(model: LoadedModel, name: String, imagesDir: String, images: Int, imageSize: Int, settings: ExperimentSettings,
                           options: ImageOptions, scratch: String, threads: Int, quiet: Bool) throws -> Result {
        let started = Date()
        _ = try Experiment.run(model: model, modelName: name, imagesDir: imagesDir, settings: settings, options: options,
                               out: scratch, resume: false, quiet: quiet)
        let total = Date().timeIntervalSince(started)
        let data = try Data(contentsOf: URL(fileURLWithPath: (scratch as NSString).appendingPathComponent("timings.json")))
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let t = try d.decode(ExperimentTimings.self, from: data)
        var sums: [String: Double] = [:]
        for r in t.rounds { for (k, v) in r { sums[k, default: 0] += v } }
        return Result(model: name, images: images, imageSize: imageSize, rounds: settings.rounds, threads: threads,
                      secondsPerRound: t.meanRoundSeconds, totalSeconds: total, stageSeconds: sums, stageShares: t.stageShares,
                      projected20RoundsSeconds: t.meanRoundSeconds * 20)
    }

    public static func render(_ r: Result) -> String {
        var lines = [String(format: "%@: %d image(s) of %dx%d, %d round(s), %d thread(s): %.2f s per round (%.1f s in all, incl. setup and report)",
                            r.model as NSString, r.images, r.imageSize, r.imageSize, r.rounds, r.threads, r.secondsPerRound, r.totalSeconds)]
        for stage in ExperimentTimings.stages where r.stageSeconds[stage] != nil {
            lines.append("  " + stage.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: " %8.2f s  %5.1f %%", r.stageSeconds[stage]! / Double(max(r.rounds, 1)), (r.stageShares[stage] ?? 0) * 100))
        }
        lines.append(String(format: "  a 20-round study at this speed: %.1f min", r.projected20RoundsSeconds / 60))
        return lines.joined(separator: "\n")
    }
}
