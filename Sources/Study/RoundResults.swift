import Measures

// What one round of the study records (Schemas/experiment.schema.json, `rounds[]`).

/// One method's matching of one reconstruction against every training image.
public struct ExperimentMatch: Codable, Equatable, Sendable {
    public var queryKeypoints: Int
    /// Per training image (file order): RANSAC inliers and contribution (inliers / all inliers).
    public var inliers: [Int]
    public var contributions: [Double]
    /// Training image with the largest contribution (first on ties).
    public var closestImage: String
    public var closestIndex: Int
}

/// Bag-of-words scores of one reconstruction (Table 3 keeps `maxScore`).
public struct ExperimentBoW: Codable, Equatable, Sendable {
    public var scores: [Double]
    public var maxScore: Double
    public var bestImage: String
}

/// A reconstruction ("before" or "after" retraining) and how it matches the training images.
public struct ExperimentPhase: Codable, Equatable, Sendable {
    /// Objective (class score or mean channel activation) at the first and last step.
    public var objectiveStart: Double
    public var objectiveEnd: Double
    /// PNG of the reconstruction, relative to the output folder.
    public var image: String
    public var sift: ExperimentMatch
    public var harris: ExperimentMatch
    public var bow: ExperimentBoW
}

/// How far one layer's variables moved in a round (all its variables together): `WeightChange`, the
/// measure of `convscope diff`, with its undefined cases written as 0 (the schema wants numbers).
public struct RoundLayerChange: Codable, Equatable, Sendable {
    public var layer: String
    public var parameters: Int
    /// ‖W_after − W_before‖₂, ‖ΔW‖ / ‖W_before‖, cosine(W_before, W_after), max |ΔW|.
    public var l2Change: Double
    public var relativeChange: Double
    public var cosine: Double
    public var maxAbsChange: Double

    public init(layer: String, _ m: WeightChange) {
        self.layer = layer
        parameters = m.parameters
        l2Change = m.l2Change
        relativeChange = m.relativeChange ?? 0
        cosine = m.cosine ?? 0
        maxAbsChange = m.maxAbsChange
    }
}

/// Loss and accuracy per epoch of one round's retraining (no timings, so results are reproducible).
public struct TrainingCurve: Codable, Equatable, Sendable {
    public var loss: [Double]
    public var accuracy: [Double]
    public var valLoss: [Double]?
    public var valAccuracy: [Double]?
    public var epochs: Int
    public var stoppedEpoch: Int?
    public var restoredEpoch: Int?
}

public struct ExperimentRound: Codable, Equatable, Sendable {
    public var round: Int
    public var seed: UInt64
    public var before: ExperimentPhase
    public var after: ExperimentPhase
    public var training: TrainingCurve
    public var weightChange: [RoundLayerChange]
}
