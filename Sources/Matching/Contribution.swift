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
