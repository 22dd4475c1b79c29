import KerasIO

/// What `convscope inspect` reports (the `--json` form follows Schemas/inspect.schema.json).
public struct InspectReport: Codable {
    public struct FileFacts: Codable {
        public var path: String
        public var bytes: Int
        public var generation: String
        /// Legacy files without keras_version: the marks the file shows and the reading applied.
        public var generationEvidence: String?
        public var kerasVersion: String?
        public var backend: String?
        public var fullModel: Bool
        public var optimizerState: Bool
        public var optimizerStateBytes: Int
        public var training: TrainingSummary?
        public var kernelOrientation: String
        public var archiveEntries: [String]?
    }
    public var file: FileFacts
    /// The built-in architecture paired with a weights-only file.
    public var arch: String?
    /// Keras' summary (nil for a weights-only file inspected without --arch).
    public var model: ModelSummary?
    /// Every stored weight in stored order.
    public var storedWeights: [StoredWeight]
    public var storedParams: Int
    public var totalParams: Int
    public var trainableParams: Int?
    public var nonTrainableParams: Int?
    /// Per-weight statistics (with --weights).
    public var weights: [WeightStatistics]?
    /// The HDF5 object tree (with --tree).
    public var tree: [TreeEntry]?
    /// Sharded weights: the shards, what each holds, and the totals.
    public var shards: ShardedWeightsSummary?
    /// Layers whose Keras dtype policy is not plain float32 (mixed or half precision).
    public var dtypePolicies: [DtypePolicy]?
    /// TF.js layers models: the writer and each weight's storage.
    public var tfjs: TFJSFacts?
    public var notes: [String]
    /// Layers Keras quantized (issue 16); absent when none is.
    public var quantized: [QuantizedLayerFacts]?
    /// With --weights: statistics of the quantized layers' dequantized values.
    public var dequantizedWeights: [WeightStatistics]?
    /// TensorFlow containers: variables as `tf.train.list_variables`, signatures, versions, assets.
    public var tensorflow: TFContainerFacts?
    /// What a forward pass costs and how the weights are stored (issue 20); absent without an architecture.
    public var cost: InspectCost?

    public struct TreeEntry: Codable {
        public var path: String
        public var kind: String
        public var shape: [Int]?
        public var dtype: String?
        public var attributes: [String: String]
    }
}
