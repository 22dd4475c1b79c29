import Foundation
import Imaging
import Matching

/// What `convscope match` reports (Schemas/match.schema.json): per query and method, each image's
/// keypoints, matches and RANSAC inliers, and its contribution (inliers with it / inliers with all).
public struct MatchReport: Codable {
    public struct QueryResult: Codable {
        public var query: String
        public var results: [MatchResult]
        public var plots: [String]
    }
    public var queries: [QueryResult]
    /// With several queries: mean and standard deviation over queries of the largest contributions (Figure 6).
    public var figure6: [Figure6Entry]?
    public var figure6Plots: [String]?

    public struct Figure6Entry: Codable {
        public var method: String
        public var images: [String]
        public var mean: [Double]
        public var std: [Double]
    }
}

public enum Match {
    public static func loadImages(_ paths: [String]) throws -> [(name: String, image: Image)] {
        try paths.map { ((($0 as NSString).lastPathComponent), try ImageFile.load($0)) }
    }

    public static func run(queries: [String], images: [String], methods: [MatchMethod], model: ModelKind?, trials: Int,
                           threshold: Double?, size: Int, ratio: Double?, seed: UInt64, plot: String?,
                           rule: MatchingRule = .trusted) throws -> MatchReport {
        guard !images.isEmpty else { throw CommandError("no images to match against") }
        let others = try loadImages(images)
        let qs = try loadImages(queries)
        var out: [MatchReport.QueryResult] = []
        let folder = try plot.map { try OutputFolder($0.lowercased().hasSuffix(".png") ? (($0 as NSString).deletingLastPathComponent.isEmpty ? "." : ($0 as NSString).deletingLastPathComponent) : $0) }
        let bar = ProgressBar(total: qs.count * methods.count, label: "matching")
        var done = 0
        for q in qs {
            var results: [MatchResult] = []
            var plots: [String] = []
            for m in methods {
                var o = MatchOptions(method: m, rule: rule)
                o.model = model
                o.trials = trials
                o.residualThreshold = threshold
                o.size = size
                o.ratio = ratio
                o.seed = seed
                let r = matchQuery(query: q.image, against: others, options: o)
                results.append(r)
                if let folder, let best = r.ranking.first {
                    let img = MatchPlot.render(query: q.image, other: others[best.index].image, matches: r.images[best.index].matches, size: size)
                    let name = plot!.lowercased().hasSuffix(".png") && qs.count == 1 && methods.count == 1
                        ? (plot! as NSString).lastPathComponent
                        : "match_\(OutputFolder.safe((q.name as NSString).deletingPathExtension))_\(m.rawValue).png"
                    plots.append(try folder.png(img, name))
                }
                done += 1
                bar.update(done)
            }
            out.append(.init(query: q.name, results: results, plots: plots))
        }
        var report = MatchReport(queries: out)
        if qs.count > 1 {
            report.figure6 = methods.enumerated().map { k, m in figure6(out.map { $0.results[k] }, method: m.rawValue) }
            if let folder {
                report.figure6Plots = try report.figure6!.map { f in
                    let chart = BarChart(categories: f.images, values: f.mean, errors: f.std,
                                         title: "Contribution of each image (\(f.method), mean ± std over \(qs.count) queries)",
                                         xLabel: "image", yLabel: "contribution")
                    return try folder.png(chart.render(), "figure6_\(f.method).png")
                }
            }
        }
        return report
    }

    /// Mean and standard deviation over queries of the 11 images with the largest mean contributions.
    static func figure6(_ results: [MatchResult], method: String, count: Int = 11) -> MatchReport.Figure6Entry {
        guard let first = results.first else { return .init(method: method, images: [], mean: [], std: []) }
        let s = Contribution.summary(names: first.images.map(\.name), perQuery: results.map { $0.images.map(\.contribution) }, count: count)
        return .init(method: method, images: s.images, mean: s.mean, std: s.std)
    }

    public static func render(_ r: MatchReport) -> String {
        var lines: [String] = []
        for q in r.queries {
            for res in q.results {
                lines.append("\(q.query) [\(res.method.rawValue), \(res.matching.rawValue) matching, RANSAC \(res.model.rawValue)]: \(res.queryKeypoints) keypoints")
                for e in res.ranking.prefix(11) {
                    let im = res.images[e.index]
                    lines.append(String(format: "  %-28@ keypoints %4d  matches %4d  inliers %4d  contribution %.3f",
                                        im.name as NSString, im.keypoints, im.matches.count, im.inliers, im.contribution))
                }
            }
            for p in q.plots { lines.append("  plot: \(p)") }
        }
        for f in r.figure6 ?? [] {
            lines.append("Figure 6 (\(f.method)): " + zip(f.images, zip(f.mean, f.std)).map { String(format: "%@ %.3f±%.3f", $0 as NSString, $1.0, $1.1) }.joined(separator: ", "))
        }
        for p in r.figure6Plots ?? [] { lines.append("  chart: \(p)") }
        return lines.joined(separator: "\n")
    }

    public static func bow(queries: [String], dataset: [String], words: Int, seed: UInt64, scheme: TFIDFScheme, size: Int) throws -> BoWResult {
        guard !dataset.isEmpty else { throw CommandError("no dataset images") }
        var o = BoWOptions()
        o.words = words
        o.seed = seed
        o.scheme = scheme
        o.size = size
        return bowScores(queries: try loadImages(queries), dataset: try loadImages(dataset), options: o)
    }
}
