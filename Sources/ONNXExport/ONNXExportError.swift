import Failure

/// Why a graph could not be written as ONNX: one line naming the layer (and the opset where it matters).
public struct ONNXExportError: ConvScopeFailure {
    public enum Kind: Sendable, Equatable {
        /// The layer's kind (or one of its settings) has no ONNX form in the chosen opset.
        case unsupportedLayer
        /// A Lambda, a custom class, or another layer ConvScope lists but cannot run.
        case notRunnable
        /// An option that does not apply (an opset out of range, a batch size below 1).
        case badOption
    }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }

    /// A layer whose kind or setting the opset cannot express.
    static func unsupported(_ node: String, _ what: String, opset: Int) -> ONNXExportError {
        ONNXExportError(.unsupportedLayer, "layer '\(node)': \(what) has no ONNX lowering at opset \(opset)")
    }
}
