import Matching
import Tensor
import Training
import Visualize

/// Settings of the paper's Sect. 3.3 study (`convscope experiment`). Everything that changes the
/// numbers is here, so a resumed run can check it continues the same study.
public struct ExperimentSettings: Codable, Equatable, Sendable {
    /// Class whose images `--images` holds (284 = Siamese cat in ImageNet).
    public var classIndex = 284
    public var rounds = 20
    /// Maximize this layer's channel instead of the class score.
    public var targetLayer: String?
    public var targetChannel = 0
    public var seed: UInt64 = 0
    /// Retraining of each round (defaults: the paper's).
    public var training = TrainSettings.paperRetraining
    /// Activation maximization: the paper's Algorithm 1 (`paper`) or the regularised variant.
    public var maximizeMethod: MaximizationSettings.Method = .paper
    public var maximizeSteps = 20
    public var maximizeStepSize = 1.0
    /// Matching and bag of words (the paper's: 224×224, 100 RANSAC trials, 10 words).
    public var matchSize = 224
    public var ransacTrials = 100
    /// Mutual nearest neighbours, ratio test and non-degenerate RANSAC (default), or the authors' matching.
    public var matching = MatchingRule.trusted
    public var words = 10
    /// Index (in sorted file order) of the training image shown in the DeconvNet montages.
    public var deconvImage = 0

    public init() {}

    /// What each round maximizes: `targetLayer`'s channel, else the class score (pre-softmax).
    public var target: MaximizationTarget {
        if let l = targetLayer { return .channel(layer: l, channel: targetChannel) }
        return .classScore(classIndex, probability: false)
    }

    /// Per-round seed: rounds differ, and any round can be recomputed alone (resume).
    public func roundSeed(_ round: Int) -> UInt64 {
        SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(round + 1))
    }
}
