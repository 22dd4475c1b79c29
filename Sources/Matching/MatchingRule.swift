// Which putative matches are kept and which RANSAC models are accepted.
// The paper pairs every query feature with its nearest neighbour, so many query
// features may share one target (its Figure 7: all Harris matches converge on one
// point of the cat), and RANSAC accepts any model, however degenerate. The default
// keeps only mutual nearest neighbours passing Lowe's ratio test (IJCV 2004,
// Sect. 7.1, ratio 0.8) and refuses degenerate RANSAC samples and models.

/// The matching rule: `trusted` (default) or the authors' settings (`paper`).
public enum MatchingRule: String, Codable, Sendable, CaseIterable {
    /// Mutual nearest neighbours with Lowe's ratio test; RANSAC refuses degenerate models.
    case trusted
    /// Every query feature's nearest neighbour (many-to-one kept); RANSAC accepts every model.
    case paper

    /// Lowe's ratio used when none is given: 0.8 (trusted), none (paper).
    public var defaultRatio: Double? { self == .trusted ? 0.8 : nil }
    /// Whether a match must also be the nearest neighbour of its target.
    public var mutual: Bool { self == .trusted }
    /// Whether RANSAC refuses degenerate samples and models.
    public var refusesDegenerateModels: Bool { self == .trusted }
    /// One line for reports.
    public var summary: String {
        switch self {
        case .trusted: return "mutual nearest neighbours with Lowe's ratio test; RANSAC refuses degenerate models"
        case .paper: return "the paper's: nearest neighbour of every query feature (many-to-one kept); RANSAC accepts every model"
        }
    }
}
