import Graph

/// Which Keras wrote a file, judged from its content.
public enum KerasGeneration: String, Codable, Sendable {
    /// Keras 1.x (`keras_version` 1.x or absent with Keras 1 names).
    case keras1
    /// Standalone Keras 2.0–2.2.4.
    case keras2
    /// tf.keras / tf-keras 2.x (`:0` weight names).
    case tfkeras
    /// Keras 3 `model.save("x.h5")`.
    case keras3H5 = "keras3-h5"
    /// Keras 3 `save_weights("x.weights.h5")`.
    case keras3Weights = "keras3-weights"
    /// Keras 3 `model.save("x.keras")` zip archive.
    case keras3Keras = "keras3-keras"
    /// TensorFlow.js layers model (`model.json` + weight files), converter output or saved by TensorFlow.js.
    case tfjsLayers = "tfjs-layers"
    /// tf.keras / tf-keras `model.save("dir")`: a SavedModel directory (docs/tf-containers.md §2).
    case tfkerasSavedModel = "tfkeras-savedmodel"
    /// A TensorFlow checkpoint (`save_weights("ckpt")`: `ckpt.index` + `ckpt.data-*`).
    case tfCheckpoint = "tf-checkpoint"

    /// What activation names mean in this generation's configs (`hard_sigmoid`).
    public var activationDialect: ActivationDialect {
        switch self {
        case .keras1, .keras2, .tfkeras, .tfjsLayers, .tfkerasSavedModel, .tfCheckpoint: return .legacy
        case .keras3H5, .keras3Weights, .keras3Keras: return .keras3
        }
    }
}

/// How convolution kernels are laid out in the file.
public enum KernelOrientation: String, Codable, Sendable {
    /// (kh, kw, in, out), cross-correlation: what ConvScope runs.
    case tensorflow = "tensorflow: (kh, kw, in, out), not flipped"
    /// Keras 1 Theano: (out, in, kh, kw), spatially flipped (true convolution).
    case theanoKeras1 = "theano: (out, in, kh, kw), spatially flipped"
    /// Keras 2 with the Theano backend: (kh, kw, in, out), spatially flipped.
    case theanoKeras2 = "theano: (kh, kw, in, out), spatially flipped"
}

/// The compile settings saved with a model.
public struct TrainingSummary: Codable, Equatable, Sendable {
    /// Optimizer class (`Adam`; `Custom>` prefixes removed).
    public var optimizer: String?
    /// `learning_rate` (or Keras 2's `lr`); nil when a schedule or absent.
    public var learningRate: Double?
    /// Loss as written: a name, or JSON text for per-output losses.
    public var loss: String?
}

/// An opened Keras file: what it is, what it holds, and — for full models — the model with its weights.
public struct KerasModelFile {
    public let path: String
    public let generation: KerasGeneration
    public let kerasVersion: String?
    public let backend: String?
    /// True when the file has an architecture (`model_config` / `config.json`); false for weights only.
    public let isFullModel: Bool
    public let hasOptimizerState: Bool
    /// Bytes of optimizer state (uncompressed element bytes); 0 when absent.
    public let optimizerStateBytes: Int
    public let training: TrainingSummary?
    public let kernelOrientation: KernelOrientation
    /// Full models: the graph with weights attached. Nil for weights-only files.
    public let model: KerasModel?
    /// Every stored weight, in stored order.
    public let storedWeights: StoredWeights
    /// What attaching the weights did (full models).
    public let attachment: WeightAttachment?
    /// Remarks: Lambda layers, opaque layers, weights matched by position, Theano kernels.
    public internal(set) var notes: [String]
    /// Entries of a `.keras` archive.
    public let archiveEntries: [String]?

    /// Stored layers as read (for `attach`).
    let storedLayers: [StoredLayer]
    /// Legacy files without `keras_version`: what the file shows about its writer (names, backend) and the
    /// reading applied; nil when the version is recorded.
    public internal(set) var generationEvidence: String? = nil
    /// Sharded weights: the manifest's shards and what each holds.
    public internal(set) var shards: ShardedWeightsSummary? = nil
    /// TF.js layers models: the writer and each weight's storage (quantization).
    public internal(set) var tfjs: TFJSFacts? = nil
    /// TensorFlow containers: variables, signatures, versions, assets.
    public var tensorflow: TFContainerFacts? = nil
    /// Why the file cannot be run although it was read (graph-only or subclassed SavedModel), one line.
    public var unrunnable: String? = nil
}
