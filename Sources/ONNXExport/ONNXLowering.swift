import Graph
import Tensor

/// What a lowering sees: the Keras node, the ONNX names of its inputs (channels-last, batch first, as
/// ConvScope runs them) and their per-sample shapes, and the builder to append to.
public struct ONNXLoweringContext {
    public let builder: ONNXGraphBuilder
    /// The Keras node's unique name (values and errors are named after it).
    public let name: String
    public let inputs: [String]
    /// Per-sample shapes of the inputs (no batch axis), as `Node.outputShape` gives them.
    public let inputShapes: [[Int]]
    /// Per-sample shape of the output.
    public let outputShape: [Int]
    /// The Keras mask of each input as an ONNX float value of 1 (kept) and 0 (masked), shaped as the input
    /// without its last axis; nil where an input has none (empty: none has). Given only to
    /// `ONNXMaskAwareLowering`s.
    public var masks: [String?] = []

    public init(builder: ONNXGraphBuilder, name: String, inputs: [String], inputShapes: [[Int]], outputShape: [Int]) {
        self.builder = builder
        self.name = name
        self.inputs = inputs
        self.inputShapes = inputShapes
        self.outputShape = outputShape
    }

    public var opset: Int { builder.opset }
    public var x: String { inputs[0] }
    /// Rank of input 0 with the batch axis.
    public var rank: Int { inputShapes[0].count + 1 }

    /// The one-line refusal for a setting of this layer the opset cannot express.
    public func unsupported(_ what: String) -> ONNXExportError { .unsupported(name, what, opset: opset) }

    /// The same node seen through other inputs (a wrapper lowering its inner layer).
    public func with(inputs: [String], inputShapes: [[Int]], outputShape: [Int]) -> ONNXLoweringContext {
        var c = ONNXLoweringContext(builder: builder, name: name, inputs: inputs, inputShapes: inputShapes, outputShape: outputShape)
        c.masks = masks
        return c
    }

    /// The mask of input `i`, nil when it has none.
    public func mask(_ i: Int) -> String? { masks.indices.contains(i) ? masks[i] : nil }
}

/// How one layer kind is written as ONNX nodes. One conformance per layer kind, in its own file under
/// `Lowerings/`, keyed on the Swift type (`extension Dense: ONNXLowering`); the exporter asks
/// `node.layer as? ONNXLowering` and never tests class names.
public protocol ONNXLowering {
    /// Appends the nodes computing this layer over `c.inputs` (Keras' channels-last layout) and returns
    /// the name of the value holding its output, in Keras' layout too.
    func lowerONNX(_ c: ONNXLoweringContext) throws -> String
}

/// A layer with several outputs (`MultiOutputLayer`: `return_state`, `return_attention_scores`): every
/// output in Keras' order; output k ≥ 1 is what the graph's `LayerOutput` node `<layer>#k` reads.
public protocol ONNXMultiOutputLowering: ONNXLowering {
    func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String]
}

extension ONNXMultiOutputLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { try lowerONNXAll(c)[0] }
}

/// A lowering that gives Keras' numbers when Keras masks reach its inputs (`c.masks`): it reads them
/// (recurrent layers, masked averages, attention) or its values do not depend on them (merges). The
/// exporter refuses other mask-reading kinds whose inputs carry a mask.
public protocol ONNXMaskAwareLowering: ONNXLowering {}

extension Layer {
    /// The variable `name` ("gamma", "moving_mean") as built, nil when the layer has none.
    func variable(_ name: String) -> Tensor? { weights.first { $0.name == name }?.value }
}
