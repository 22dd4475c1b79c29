import Imaging
import Matching

/// The training images prepared once for matching (SIFT and Harris features, the bag-of-words index),
/// and the matching of a round's two reconstructions against them.
struct RoundMatcher {
    let sift: MatchDatabase
    let harris: MatchDatabase
    let bow: BoWIndex

    /// The paper's matching (with `settings.matching`'s rule): grey, `matchSize`², RANSAC with `ransacTrials` trials; `words` visual words weighted as nn-visu.
    init(images: [(String, Image)], settings: ExperimentSettings) {
        var siftOptions = MatchOptions(method: .sift, rule: settings.matching)
        var harrisOptions = MatchOptions(method: .harris, rule: settings.matching)
        siftOptions.size = settings.matchSize; harrisOptions.size = settings.matchSize
        siftOptions.trials = settings.ransacTrials; harrisOptions.trials = settings.ransacTrials
        siftOptions.seed = settings.seed; harrisOptions.seed = settings.seed
        sift = MatchDatabase(images: images, options: siftOptions)
        harris = MatchDatabase(images: images, options: harrisOptions)
        var bowOptions = BoWOptions()
        bowOptions.words = settings.words
        bowOptions.seed = settings.seed
        bowOptions.scheme = .nnVisu
        bowOptions.size = settings.matchSize
        bow = BoWIndex(dataset: images, options: bowOptions)
    }

    /// A match result as the round records it: inliers and contributions per image, and the closest image.
    static func summary(_ m: MatchResult) -> ExperimentMatch {
        let best = m.ranking.first?.index ?? 0
        return ExperimentMatch(queryKeypoints: m.queryKeypoints, inliers: m.images.map(\.inliers), contributions: m.images.map(\.contribution),
                               closestImage: m.images.isEmpty ? "" : m.images[best].name, closestIndex: best)
    }

    /// The inlier matches with the closest image (Figure 7).
    static func closestInliers(_ m: MatchResult) -> [PointMatch] {
        guard let best = m.ranking.first else { return [] }
        return m.images[best.index].matches.filter(\.inlier)
    }
}
