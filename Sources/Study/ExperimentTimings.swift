import Measures

/// Wall time per stage (timings.json, kept out of results.json, which must be reproducible).
public struct ExperimentTimings: Codable, Sendable {
    public var rounds: [[String: Double]]
    public var totalSeconds: Double
    public var meanRoundSeconds: Double
    /// Share of each stage in the rounds' total time.
    public var stageShares: [String: Double]

    /// The stages a round is timed in, in the order they run.
    public static let stages = ["deconv", "maximize_before", "training", "maximize_after", "weight_diff", "matching_sift", "matching_harris", "bow"]

    /// Sums the stage times of the rounds computed in this run.
    init(rounds: [[String: Double]], totalSeconds: Double) {
        var sums: [String: Double] = [:]
        for r in rounds { for (k, v) in r { sums[k, default: 0] += v } }
        let all = sums.values.reduce(0, +)
        self.rounds = rounds
        self.totalSeconds = totalSeconds
        meanRoundSeconds = Statistics.mean(rounds.map { $0.values.reduce(0, +) })
        stageShares = sums.mapValues { all > 0 ? $0 / all : 0 }
    }
}
