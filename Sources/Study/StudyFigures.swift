import FileSupport
import Foundation
import Imaging
import Matching
import Measures
import Training
import Visualize

/// The study's summaries over rounds (Table 3, Figure 6, the weight change per layer) and every figure
/// as PNG in the output folder.
enum StudyFigures {
    static func summarize(_ records: [RoundRecord], inputs: StudyInputs, names: [String], settings: ExperimentSettings,
                          out: String, matchImages: [(String, Image)]) throws -> ExperimentResults {
        let rounds = records.map(\.result)
        var figures: [String: String] = [:]
        func save(_ img: Image, _ name: String, key: String) throws {
            try ImageFile.save(img, to: StudyFiles.path(out, name))
            figures[key] = name
        }
        // Table 3.
        let maxBefore = rounds.map(\.before.bow.maxScore), maxAfter = rounds.map(\.after.bow.maxScore)
        let table3 = ExperimentResults.Table3(scheme: TFIDFScheme.nnVisu.rawValue, words: settings.words,
                                              before: .init(mean: Statistics.mean(maxBefore), median: Statistics.median(maxBefore)),
                                              after: .init(mean: Statistics.mean(maxAfter), median: Statistics.median(maxAfter)))
        var csv = "phase,mean_max_score,median_max_score,rounds\n"
        csv += String(format: "before,%.6f,%.6f,%d\n", table3.before.mean, table3.before.median, rounds.count)
        csv += String(format: "after,%.6f,%.6f,%d\n", table3.after.mean, table3.after.median, rounds.count)
        try AtomicFile.write(data: Data(csv.utf8), to: URL(fileURLWithPath: StudyFiles.path(out, "table3.csv")))

        // Figure 6: per method and phase, mean ± std over rounds of each image's contribution, top 11.
        var fig6: [ExperimentResults.Figure6] = []
        for method in ["sift", "harris"] {
            for phase in ["before", "after"] {
                let per = rounds.map { r -> [Double] in
                    let p = phase == "before" ? r.before : r.after
                    return (method == "sift" ? p.sift : p.harris).contributions
                }
                let top = Contribution.summary(names: names, perQuery: per)
                let file = "figure6_\(method)_\(phase).png"
                let chart = BarChart(categories: top.images, values: top.mean, errors: top.std,
                                     title: "\(method == "sift" ? "SIFT" : "Harris"), \(phase) retraining",
                                     xLabel: "training image", yLabel: "contribution", color: phase == "before" ? .blue : .orange)
                try save(chart.render(), file, key: "figure6_\(method)_\(phase)")
                fig6.append(.init(method: method, phase: phase, images: top.images, mean: top.mean, std: top.std, png: file))
            }
        }

        // Figure 7: Harris matches between round 1's reconstructions and their closest images.
        if let first = records.first {
            for (phase, p, matches) in [("before", first.result.before, first.figure7Before), ("after", first.result.after, first.figure7After)] {
                let query = try ImageFile.load(StudyFiles.path(out, p.image))
                let other = matchImages[p.harris.closestIndex].1
                let plot = MatchPlot.render(query: query, other: other, matches: matches, size: settings.matchSize)
                try save(plot, "figure7_\(phase).png", key: "figure7_\(phase)")
            }
        }

        // Reconstructions of every round, before and after side by side.
        var tiles: [Montage.Tile] = []
        for r in rounds {
            tiles.append(.init(displayZoom(try ImageFile.load(StudyFiles.path(out, r.before.image)).toRGB(), minSide: 96), caption: "r\(r.round) before"))
            tiles.append(.init(displayZoom(try ImageFile.load(StudyFiles.path(out, r.after.image)).toRGB(), minSide: 96), caption: "r\(r.round) after"))
        }
        try save(Montage.grid(tiles, columns: min(tiles.count, 10), padding: 6), "reconstructions.png", key: "reconstructions")

        // DeconvNet montages of one training image (made in round 1).
        for phase in ["before", "after"] {
            let src = StudyFiles.path(out, "rounds/round_001/deconv_\(phase).png")
            try save(try ImageFile.load(src), "deconv_\(phase).png", key: "deconv_\(phase)")
        }

        // Feature evolution during round 1's retraining (Z&F Fig. 4; absent from runs made before it existed).
        let evolution = StudyFiles.path(out, "rounds/round_001/evolution.png")
        if FileManager.default.fileExists(atPath: evolution) {
            try save(try ImageFile.load(evolution), "evolution.png", key: "evolution")
        }

        // Weight change per layer: mean ± std over rounds of the relative change.
        let layers = rounds.first?.weightChange.map(\.layer) ?? []
        let layerStats = layers.indices.map { i in Statistics.meanAndStd(rounds.map { $0.weightChange[i].relativeChange }) }
        let weightSummary = zip(layers, layerStats).map { ExperimentResults.LayerSummary(layer: $0, meanRelativeChange: $1.mean, stdRelativeChange: $1.std) }
        let wchart = BarChart(categories: layers, values: layerStats.map(\.mean), errors: layerStats.map(\.std),
                              title: "Relative weight change per layer",
                              xLabel: "layer (depth order)", yLabel: "relative change", color: .purple)
        try save(wchart.render(width: 720, height: 420), "weight_change.png", key: "weight_change")

        // Training curves: mean over the rounds that reached each epoch.
        try save(trainingCurves(rounds), "training_curves.png", key: "training_curves")

        let target: ExperimentResults.Target
        switch settings.target {
        case .classScore(let c, _):
            target = .init(kind: "class", classIndex: c, layer: nil, channel: nil, label: inputs.targetLabel)
        case .channel(let l, let k):
            target = .init(kind: "channel", classIndex: nil, layer: l, channel: k, label: inputs.targetLabel)
        }
        return ExperimentResults(model: inputs.modelName, arch: inputs.arch, images: names, target: target, settings: settings, rounds: rounds,
                                 table3: table3, figure6: fig6, weightChange: weightSummary, figures: figures,
                                 report: "report.html", table3Csv: "table3.csv")
    }

    /// Loss and accuracy per epoch, each the mean over the rounds that reached that epoch (non-finite values left out).
    static func trainingCurves(_ rounds: [ExperimentRound]) -> Image {
        let epochs = rounds.map(\.training.epochs).max() ?? 0
        func mean(_ pick: (TrainingCurve) -> [Double]?) -> [Double] {
            (0..<epochs).map { e in
                let v = rounds.compactMap { r -> Double? in
                    guard let a = pick(r.training), e < a.count, a[e].isFinite else { return nil }
                    return a[e]
                }
                return v.isEmpty ? .nan : Statistics.mean(v)
            }
        }
        var h = History()
        let loss = mean { $0.loss }, acc = mean { $0.accuracy }, vl = mean { $0.valLoss }, va = mean { $0.valAccuracy }
        let hasVal = rounds.contains { $0.training.valLoss != nil }
        for e in 0..<epochs {
            h.epochs.append(EpochLog(epoch: e, loss: loss[e], accuracy: acc[e], valLoss: hasVal ? vl[e] : nil, valAccuracy: hasVal ? va[e] : nil))
        }
        return h.plot(title: "Retraining (mean of \(rounds.count) rounds)")
    }
}
