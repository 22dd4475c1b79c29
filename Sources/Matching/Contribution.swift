import Measures

// Contribution of each training image to a query (paper Fig. 6 and Sect. 3.3):
// contribution(i) = inliers with image i / inliers with all images, as in the
// paper's `results_correspondences`; every contribution is 0 when no image has inliers.

/// One image's share of the RANSAC inliers.
public struct ContributionEntry: Codable, Equatable, Sendable {
    /// Image name.
    public var name: String
    /// Position of the image in the input list.
    public var index: Int
    /// RANSAC inliers between the query and this image.
    public var inliers: Int
    /// inliers / total inliers over all images (0 when the total is 0).
    public var contribution: Double
}

/// Contribution ranking.
public enum Contribution {
    /// Contributions sorted by decreasing value (ties keep input order).
    public static func rank(names: [String], inlierCounts: [Int]) -> [ContributionEntry] {
        precondition(names.count == inlierCounts.count, "Contribution: one name per inlier count")
        let total = inlierCounts.reduce(0, +)
        let entries = zip(names, inlierCounts).enumerated().map { i, pair in
            ContributionEntry(name: pair.0, index: i, inliers: pair.1,
                              contribution: total > 0 ? Double(pair.1) / Double(total) : 0)
        }
        return entries.sorted { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.index < $1.index }
    }
}

/// Figure 6: each image's contribution averaged over several queries (or rounds), the largest first.
public struct ContributionSummary: Equatable, Sendable {
    /// Positions of the kept images in the input list, by decreasing mean (ties keep input order).
    public var indices: [Int]
    public var images: [String]
    /// Mean and population standard deviation over the queries, per kept image.
    public var mean: [Double]
    public var std: [Double]
}

extension Contribution {
    /// The `count` images with the largest mean contribution over `perQuery` (one contribution per image
    /// and query, in `names` order), with mean and standard deviation over the queries.
    public static func summary(names: [String], perQuery: [[Double]], count: Int = 11) -> ContributionSummary {
        let stats = names.indices.map { i in Statistics.meanAndStd(perQuery.map { $0[i] }) }
        let top = names.indices.sorted { stats[$0].mean != stats[$1].mean ? stats[$0].mean > stats[$1].mean : $0 < $1 }.prefix(count)
        return ContributionSummary(indices: Array(top), images: top.map { names[$0] },
                                   mean: top.map { stats[$0].mean }, std: top.map { stats[$0].std })
    }
}
