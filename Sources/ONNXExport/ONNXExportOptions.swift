import Graph

/// The batch axis of the exported inputs and outputs (`--batch dynamic|N`).
public enum ONNXBatch: Equatable, Sendable, CustomStringConvertible {
    /// A symbolic axis named "N": any batch size.
    case dynamic
    /// A fixed batch size.
    case fixed(Int)

    public init?(_ text: String) {
        if text == "dynamic" { self = .dynamic; return }
        guard let n = Int(text), n > 0 else { return nil }
        self = .fixed(n)
    }
    public var description: String {
        switch self {
        case .dynamic: return "dynamic"
        case .fixed(let n): return String(n)
        }
    }
}

/// The layout of the exported model's image inputs and outputs (`--layout`).
public enum ONNXTensorLayout: String, CaseIterable, Sendable {
    /// Keras' own: channels last (NHWC), so the model takes Keras' inputs and gives Keras' outputs.
    case keras
    /// Channels first (NCHW, NCW, NCDHW) for inputs and outputs of rank 3 and more; the transposes
    /// between them are cancelled, so convolution chains run channels-first throughout.
    case nchw
}

/// What `ONNXExporter.model` writes.
public struct ONNXExportOptions: Sendable {
    /// The default opset: the newest whose every operator the lowerings use the pinned onnxruntime
    /// (1.31.1) runs, and the one IR version 8 pairs with.
    public static let defaultOpset = 17
    /// Opsets the lowerings are written for (Erf, Shrink, Pad with pads as input: 13 and later).
    public static let opsets = 13...21

    public var opset: Int
    public var batch: ONNXBatch
    public var layout: ONNXTensorLayout
    /// Quantized layers as their float form instead of DequantizeLinear of the stored integers.
    public var dequantize: Bool
    /// What a legacy file's activation names mean (`hard_sigmoid`), as the reader used.
    public var dialect: ActivationDialect
    /// `metadata_props` of the model (source file, its sha256, Keras version, ConvScope version).
    public var metadata: [(key: String, value: String)]

    public init(opset: Int = ONNXExportOptions.defaultOpset, batch: ONNXBatch = .dynamic, layout: ONNXTensorLayout = .keras,
                dequantize: Bool = false, dialect: ActivationDialect = .keras3, metadata: [(key: String, value: String)] = []) {
        self.opset = opset
        self.batch = batch
        self.layout = layout
        self.dequantize = dequantize
        self.dialect = dialect
        self.metadata = metadata
    }

    /// The IR version onnxruntime 1.31 loads for this opset (IR 8 up to opset 17, 9 for 18–19, 10 for 20–21).
    public var irVersion: Int {
        switch opset {
        case ...17: return 8
        case 18...19: return 9
        default: return 10
        }
    }
}
