// Entry points for `convscope match`: the paper's Sect. 3.3 matching experiment
// (docs/paper-facts.md, "The retraining experiment"; Figures 6, 7 and Table 3).
//  - SIFT: VLFeat SIFT, nearest-neighbour descriptor matching, RANSAC with the
//    one-match similarity, 100 trials, 15 px.
//  - Harris: skimage-equivalent corners, 11x11 Gaussian-weighted SSD pairing,
//    RANSAC with an affine model, 3 samples, 2 px, 100 trials.
//  - Contribution (Fig. 6) and bag-of-visual-words cosine scores (Table 3).
// Images are converted to grey (0.299, 0.587, 0.114) and resized to 224x224 first.
// `rule` (MatchingRule.swift): by default mutual nearest neighbours with Lowe's ratio
// 0.8 for both pipelines and degenerate RANSAC models refused; `.paper` is the above.
import Foundation
import Imaging
import Tensor

/// Which detector/descriptor pipeline to use.
public enum MatchMethod: String, Codable, Sendable, CaseIterable {
    case sift
    case harris
}

/// Which geometric model RANSAC fits.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// `SimilarityFromOneMatch` (the paper's SIFT model; for Harris corners it is a translation).
    case similarity
    /// `AffineModel` (the paper's Harris model).
    case affine
    /// `HomographyModel`.
    case homography
}

/// Settings of `matchQuery`; defaults are the paper's except `rule` (`.paper` restores them).
public struct MatchOptions: Codable, Equatable, Sendable {
    /// Which matches are kept and which RANSAC models accepted.
    public var rule: MatchingRule = .trusted
    /// Detector pipeline.
    public var method: MatchMethod = .harris
    /// RANSAC model; nil = the paper's (similarity for SIFT, affine for Harris).
    public var model: ModelKind? = nil
    /// Square size images are resized to before matching; nil keeps sizes.
    public var size: Int? = 224
    /// SIFT parameters.
    public var sift = SIFTParameters()
    /// Lowe ratio; nil = the rule's (0.8 trusted, none for the paper).
    public var ratio: Double? = nil
    /// RANSAC trials.
    public var trials: Int = 100
    /// RANSAC residual threshold; nil = the paper's (15 px SIFT, 2 px Harris).
    public var residualThreshold: Double? = nil
    /// RANSAC seed (the same seed is used for every image).
    public var seed: UInt64 = 0
    /// Harris minimum peak distance.
    public var harrisMinDistance: Int = 1
    /// Harris relative peak threshold.
    public var harrisThresholdRelative: Double = 0.001
    /// Half size of the SSD window (5 → 11x11).
    public var windowRadius: Int = 5
    /// Sigma of the SSD window weights.
    public var windowSigma: Double = 3

    /// The settings for `method` under `rule`.
    public init(method: MatchMethod = .harris, rule: MatchingRule = .trusted) { self.method = method; self.rule = rule }

    /// The model actually fitted.
    public var resolvedModel: ModelKind { model ?? (method == .sift ? .similarity : .affine) }
    /// The residual threshold actually used.
    public var resolvedThreshold: Double { residualThreshold ?? (method == .sift ? 15 : 2) }
    /// The Lowe ratio actually used (nil: none).
    public var resolvedRatio: Double? { ratio ?? rule.defaultRatio }
}

/// One putative match in pixel coordinates of the resized images.
public struct PointMatch: Codable, Equatable, Sendable {
    /// Location in the query.
    public var query: Point2
    /// Location in the other image.
    public var other: Point2
    /// Descriptor distance (SIFT) or weighted SSD (Harris).
    public var distance: Double
    /// Whether RANSAC kept it.
    public var inlier: Bool
}

/// The query matched against one image.
public struct ImageMatch: Codable, Equatable, Sendable {
    /// Image name.
    public var name: String
    /// Keypoints (SIFT frames or Harris corners) found in this image.
    public var keypoints: Int
    /// All putative matches with their RANSAC verdict.
    public var matches: [PointMatch]
    /// Number of RANSAC inliers.
    public var inliers: Int
    /// inliers / inliers over all images.
    public var contribution: Double
    /// Parameters of the fitted model (see the model types), nil when none was found.
    public var model: [Double]?
}

/// Result of `matchQuery`.
public struct MatchResult: Codable, Equatable, Sendable {
    public var method: MatchMethod
    /// The matching rule used.
    public var matching: MatchingRule
    public var model: ModelKind
    /// Keypoints in the query.
    public var queryKeypoints: Int
    /// Per image, in input order.
    public var images: [ImageMatch]
    /// Contributions sorted by decreasing value (Fig. 6).
    public var ranking: [ContributionEntry]
}

/// Features of one image for either pipeline.
struct ExtractedFeatures {
    var grey: GreyImage
    var points: [FeatureFrame]
    var descriptors: [Float]
    var corners: [HarrisCorner]
}

/// A located feature: position, scale, orientation (1 and 0 for Harris corners).
struct FeatureFrame { var point: Point2; var scale: Double; var orientation: Double }

/// Grey conversion plus the method's detector.
func extractFeatures(_ image: Image, options: MatchOptions) -> ExtractedFeatures {
    let grey = GreyImage(image, size: options.size)
    switch options.method {
    case .sift:
        let f = SIFT.extract(grey, parameters: options.sift)
        return ExtractedFeatures(grey: grey,
                                 points: f.keypoints.map { .init(point: Point2(x: $0.x, y: $0.y), scale: $0.scale, orientation: $0.orientation) },
                                 descriptors: f.descriptors, corners: [])
    case .harris:
        let corners = Harris.corners(grey, minDistance: options.harrisMinDistance,
                                     thresholdRelative: options.harrisThresholdRelative)
        return ExtractedFeatures(grey: grey,
                                 points: corners.map { .init(point: Point2(x: Double($0.x), y: Double($0.y)), scale: 1, orientation: 0) },
                                 descriptors: [], corners: corners)
    }
}

/// Putative matches, RANSAC, and the per-image record (contribution filled in later).
func matchFeatures(_ q: ExtractedFeatures, _ o: ExtractedFeatures, name: String, options: MatchOptions) -> ImageMatch {
    let raw: [FeatureMatch]
    switch options.method {
    case .sift: raw = DescriptorMatcher.match(query: q.descriptors, train: o.descriptors, ratio: options.resolvedRatio,
                                              mutual: options.rule.mutual)
    case .harris: raw = HarrisMatcher.match(query: q.grey, queryCorners: q.corners, other: o.grey, otherCorners: o.corners,
                                            windowRadius: options.windowRadius, sigma: options.windowSigma,
                                            ratio: options.resolvedRatio, mutual: options.rule.mutual)
    }
    let cs = raw.map { m -> Correspondence in
        let a = q.points[m.query], b = o.points[m.train]
        return Correspondence(source: a.point, target: b.point, sourceScale: a.scale, targetScale: b.scale,
                              sourceOrientation: a.orientation, targetOrientation: b.orientation)
    }
    let ransac = RANSACOptions(trials: options.trials, residualThreshold: options.resolvedThreshold, seed: options.seed,
                               refuseDegenerate: options.rule.refusesDegenerateModels)
    let mask: [Bool], parameters: [Double]?
    switch options.resolvedModel {
    case .similarity:
        let r = RANSAC.fit(SimilarityFromOneMatch.self, to: cs, options: ransac); mask = r.inliers; parameters = r.model?.parameters
    case .affine:
        let r = RANSAC.fit(AffineModel.self, to: cs, options: ransac); mask = r.inliers; parameters = r.model?.parameters
    case .homography:
        let r = RANSAC.fit(HomographyModel.self, to: cs, options: ransac); mask = r.inliers; parameters = r.model?.parameters
    }
    let matches = zip(raw, cs).enumerated().map { i, pair in
        PointMatch(query: pair.1.source, other: pair.1.target, distance: pair.0.distance, inlier: mask[i])
    }
    return ImageMatch(name: name, keypoints: o.points.count, matches: matches,
                      inliers: mask.lazy.filter { $0 }.count, contribution: 0, model: parameters)
}

/// Matches a query (e.g. a reconstructed input) against every image and ranks their contributions.
public func matchQuery(query: Image, against images: [(name: String, image: Image)],
                       options: MatchOptions = MatchOptions()) -> MatchResult {
    let all = [query] + images.map(\.image)
    var features = [ExtractedFeatures?](repeating: nil, count: all.count)
    features.withUnsafeMutableBufferPointer { out in
        parallelFor(all.count) { out[$0] = extractFeatures(all[$0], options: options) }  // one image per thread
    }
    let q = features[0]!
    var results = images.indices.map { matchFeatures(q, features[$0 + 1]!, name: images[$0].name, options: options) }
    let ranking = Contribution.rank(names: results.map(\.name), inlierCounts: results.map(\.inliers))
    for entry in ranking { results[entry.index].contribution = entry.contribution }
    return MatchResult(method: options.method, matching: options.rule, model: options.resolvedModel, queryKeypoints: q.points.count,
                       images: results, ranking: ranking)
}

/// Settings of `bowScores`; defaults are the paper's (10 words).
public struct BoWOptions: Codable, Equatable, Sendable {
    /// Square size images are resized to; nil keeps sizes.
    public var size: Int? = 224
    /// SIFT parameters.
    public var sift = SIFTParameters()
    /// Vocabulary size.
    public var words: Int = 10
    /// k-means seed.
    public var seed: UInt64 = 0
    /// Term weighting.
    public var scheme: TFIDFScheme = .standard

    /// Default settings.
    public init() {}
}

/// Scores of one query.
public struct BoWQueryScore: Codable, Equatable, Sendable {
    public var name: String
    /// Cosine score against each dataset image (dataset order).
    public var scores: [Double]
    /// Dataset image with the highest score (first on ties).
    public var bestImage: String
    public var bestIndex: Int
    public var bestScore: Double
}

/// Result of `bowScores` (Table 3).
public struct BoWResult: Codable, Equatable, Sendable {
    public var words: Int
    public var scheme: TFIDFScheme
    public var dataset: [String]
    public var queries: [BoWQueryScore]
    /// Mean over queries of the best score.
    public var meanBestScore: Double
    /// Median over queries of the best score.
    public var medianBestScore: Double
}

/// SIFT descriptors of every image, at the options' size.
func siftDescriptors(_ images: [Image], size: Int?, parameters: SIFTParameters) -> [[Float]] {
    SIFT.extract(images.map { GreyImage($0, size: size) }, parameters: parameters).map(\.descriptors)
}

/// Bag-of-visual-words scores of each query against the dataset (vocabulary learnt on the dataset).
public func bowScores(queries: [(name: String, image: Image)], dataset: [(name: String, image: Image)],
                      options: BoWOptions = BoWOptions()) -> BoWResult {
    let bow = BagOfVisualWords(dataset: siftDescriptors(dataset.map(\.image), size: options.size, parameters: options.sift),
                               words: options.words, seed: options.seed, scheme: options.scheme)
    let queryDescriptors = siftDescriptors(queries.map(\.image), size: options.size, parameters: options.sift)
    return bowResult(bow: bow, queryNames: queries.map(\.name), queryDescriptors: queryDescriptors,
                     datasetNames: dataset.map(\.name))
}

/// Scores, best matches and their mean/median for precomputed query descriptors.
func bowResult(bow: BagOfVisualWords, queryNames: [String], queryDescriptors: [[Float]], datasetNames: [String]) -> BoWResult {
    let perQuery = zip(queryNames, queryDescriptors).map { name, d -> BoWQueryScore in
        let scores = bow.scores(forDescriptors: d)
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return BoWQueryScore(name: name, scores: scores, bestImage: scores.isEmpty ? "" : datasetNames[best],
                             bestIndex: best, bestScore: scores.isEmpty ? 0 : scores[best])
    }
    let bests = perQuery.map(\.bestScore).sorted()
    let mean = bests.isEmpty ? 0 : bests.reduce(0, +) / Double(bests.count)
    let median = bests.isEmpty ? 0 : (bests.count % 2 == 1 ? bests[bests.count / 2]
                                      : (bests[bests.count / 2 - 1] + bests[bests.count / 2]) / 2)
    return BoWResult(words: bow.wordCount, scheme: bow.scheme, dataset: datasetNames, queries: perQuery,
                     meanBestScore: mean, medianBestScore: median)
}
