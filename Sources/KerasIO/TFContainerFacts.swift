/// What `inspect` shows about a TensorFlow container (a checkpoint or a SavedModel directory) beyond the
/// Keras model: every stored variable as `tf.train.list_variables` lists it, signatures, versions, assets.
public struct TFContainerFacts: Codable, Equatable, Sendable {
    /// One tensor of the bundle.
    public struct Variable: Codable, Equatable, Sendable {
        /// The bundle key (`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`).
        public var key: String
        public var dtype: String
        public var shape: [Int]
        public var bytes: Int
        /// The Keras weight name (`conv1/kernel`), when the object graph gives one.
        public var kerasName: String?
        /// `weights`, `optimizer` (optimizer variables and slots), `metrics`, or `other` (object graph, counters).
        public var group: String
    }

    public struct TensorSpec: Codable, Equatable, Sendable {
        public var name: String
        public var dtype: String
        /// -1 for an axis of unknown length; nil when the rank is unknown.
        public var shape: [Int]?
    }

    public struct Signature: Codable, Equatable, Sendable {
        public var name: String
        public var method: String
        public var inputs: [TensorSpec]
        public var outputs: [TensorSpec]
    }

    /// `checkpoint` or `savedmodel`.
    public var container: String
    /// The prefix of the variables bundle.
    public var bundlePrefix: String
    public var dataFiles: [String]
    public var tensorflowVersion: String?
    /// Where the Keras config came from: `keras_metadata.pb`, `saved_model.pb` (TF 2.0–2.4),
    /// `assets/saved_model.json` (TF 1.x export), or nil (none).
    public var metadataSource: String?
    /// The root object's class (`Sequential`, `Functional`, a subclass name); nil when not Keras.
    public var rootClass: String?
    public var signatures: [Signature]
    public var assets: [String]
    public var variables: [Variable]
}
