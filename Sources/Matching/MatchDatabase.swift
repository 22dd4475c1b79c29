// Repeated queries against one fixed image set (the retraining experiment matches 2 reconstructions
// per round against the same training images, round after round): the images' features are
// extracted once. Results equal `matchQuery` and `bowScores` on the same inputs.
import Foundation
import Imaging

/// Training images with their features extracted once, for `matchQuery`-equivalent queries.
public struct MatchDatabase {
    public let options: MatchOptions
    public let names: [String]
    let features: [ExtractedFeatures]

    public init(images: [(name: String, image: Image)], options: MatchOptions) {
        self.options = options
        names = images.map(\.name)
        features = images.map { extractFeatures($0.image, options: options) }
    }

    /// Same result as `matchQuery(query:against:options:)` over the database's images.
    public func match(_ query: Image) -> MatchResult {
        let q = extractFeatures(query, options: options)
        var results = zip(features, names).map { matchFeatures(q, $0, name: $1, options: options) }
        let ranking = Contribution.rank(names: results.map(\.name), inlierCounts: results.map(\.inliers))
        for entry in ranking { results[entry.index].contribution = entry.contribution }
        return MatchResult(method: options.method, matching: options.rule, model: options.resolvedModel, queryKeypoints: q.points.count,
                           images: results, ranking: ranking)
    }
}

/// A bag-of-visual-words vocabulary learnt once on a dataset, for `bowScores`-equivalent queries.
public struct BoWIndex {
    public let options: BoWOptions
    public let names: [String]
    public let bow: BagOfVisualWords

    public init(dataset: [(name: String, image: Image)], options: BoWOptions) {
        self.options = options
        names = dataset.map(\.name)
        bow = BagOfVisualWords(dataset: siftDescriptors(dataset.map(\.image), size: options.size, parameters: options.sift),
                               words: options.words, seed: options.seed, scheme: options.scheme)
    }

    /// Same result as `bowScores(queries:dataset:options:)` with this index's dataset and options.
    public func scores(_ queries: [(name: String, image: Image)]) -> BoWResult {
        bowResult(bow: bow, queryNames: queries.map(\.name),
                  queryDescriptors: siftDescriptors(queries.map(\.image), size: options.size, parameters: options.sift),
                  datasetNames: names)
    }
}
