/// results.json of the study (Schemas/experiment.schema.json): every round, and the paper's
/// summaries (Table 3, Figure 6, the weight change per layer).
public struct ExperimentResults: Codable, Equatable, Sendable {
    public struct Summary: Codable, Equatable, Sendable {
        public var mean: Double
        public var median: Double
    }
    public struct Table3: Codable, Equatable, Sendable {
        public var scheme: String
        public var words: Int
        public var before: Summary
        public var after: Summary
    }
    public struct Figure6: Codable, Equatable, Sendable {
        public var method: String
        public var phase: String
        /// The (up to) 11 images with the largest mean contribution, with mean and std over rounds.
        public var images: [String]
        public var mean: [Double]
        public var std: [Double]
        public var png: String
    }
    public struct LayerSummary: Codable, Equatable, Sendable {
        public var layer: String
        public var meanRelativeChange: Double
        public var stdRelativeChange: Double
    }
    public struct Target: Codable, Equatable, Sendable {
        public var kind: String
        public var classIndex: Int?
        public var layer: String?
        public var channel: Int?
        public var label: String
    }

    public var schema = "convscope-experiment/1"
    public var model: String
    public var arch: String?
    public var images: [String]
    public var target: Target
    public var settings: ExperimentSettings
    public var rounds: [ExperimentRound]
    public var table3: Table3
    public var figure6: [Figure6]
    public var weightChange: [LayerSummary]
    /// Every figure's PNG, relative to the output folder.
    public var figures: [String: String]
    public var report: String
    public var table3Csv: String
}
