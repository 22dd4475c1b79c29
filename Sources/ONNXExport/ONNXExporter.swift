import Foundation
import Graph
import ONNXMessages

/// A ConvScope graph as an ONNX model: every node through its kind's `ONNXLowering`, Keras' input and
/// output names, the batch axis and layout asked for, transposes that cancel removed.
public enum ONNXExporter {
    public static func model(of graph: Graph, options: ONNXExportOptions = ONNXExportOptions()) throws -> ONNXModelProto {
        guard ONNXExportOptions.opsets.contains(options.opset) else {
            throw ONNXExportError(.badOption, "--opset \(options.opset): the lowerings are written for opsets \(ONNXExportOptions.opsets.lowerBound)–\(ONNXExportOptions.opsets.upperBound)")
        }
        if case .fixed(let n) = options.batch, n < 1 { throw ONNXExportError(.badOption, "--batch \(n): a batch size is at least 1") }
        let b = ONNXGraphBuilder(opset: options.opset)
        var value = [Int: String]()
        var inputs: [ONNXValueInfoProto] = [], outputs: [ONNXValueInfoProto] = []
        let needed = graph.ancestors(of: graph.outputNodes)
        // Inputs first, so Keras' names are theirs.
        for id in graph.inputNodes {
            let node = graph.nodes[id]
            let name = b.fresh(node.name)
            let rank = node.outputShape.count + 1
            let first = options.layout == .nchw && rank >= 3
            inputs.append(valueInfo(name, shape: first ? permuted(node.outputShape) : node.outputShape, batch: options.batch))
            value[id] = first ? b.toChannelsLast(name, rank: rank, name: node.name) : name
        }
        let masked = maskedNodes(graph)
        var extra = [Int: [String]]()                                      // every output of a multi-output node
        let masks = ONNXMasks(graph: graph, builder: b)
        try ActivationDialect.$current.withValue(options.dialect) {
            for node in graph.nodes where value[node.id] == nil && needed.contains(node.id) {
                guard node.layer.isRunnable else {
                    let reason = (node.layer as? OpaqueLayer)?.refusal ?? "cannot run"
                    throw ONNXExportError(.notRunnable, "layer '\(node.name)' (\(node.layer.className)) \(reason): it cannot be exported to ONNX")
                }
                if let output = node.layer as? LayerOutput, let all = extra[node.inputs[0]], output.index < all.count {
                    value[node.id] = all[output.index]                      // output k of a multi-output layer
                    continue
                }
                // Keras masks reach the lowerings that read them as ONNX values; another kind whose numbers
                // depend on one is refused.
                var inputMasks: [String?] = []
                if node.inputs.contains(where: masked.contains) {
                    if node.layer is ONNXMaskAwareLowering {
                        inputMasks = try node.inputs.map { masked.contains($0) ? try masks.mask(of: $0, values: value) : nil }
                    } else if node.layer is any MaskAware || node.layer is any RecurrentKind {
                        throw ONNXExportError.unsupported(node.name, "\(node.layer.className) reading a Keras mask (mask_zero / Masking)", opset: options.opset)
                    }
                }
                var c = ONNXLoweringContext(builder: b, name: node.name, inputs: node.inputs.map { value[$0]! },
                                            inputShapes: node.inputs.map { graph.nodes[$0].outputShape }, outputShape: node.outputShape)
                c.masks = inputMasks
                if let quantized = node.layer as? ONNXQuantizedLowering, let y = try quantized.lowerQuantizedONNX(c) {
                    value[node.id] = y
                    continue
                }
                guard let lowering = node.layer as? ONNXLowering else {
                    throw ONNXExportError.unsupported(node.name, "\(node.layer.className)", opset: options.opset)
                }
                if let multi = node.layer as? any MultiOutputLayer, !multi.extraOutputShapes.isEmpty {
                    guard let all = lowering as? ONNXMultiOutputLowering else {
                        throw ONNXExportError.unsupported(node.name, "\(node.layer.className) with several outputs", opset: options.opset)
                    }
                    let outs = try all.lowerONNXAll(c)
                    extra[node.id] = outs
                    value[node.id] = outs[0]
                } else {
                    value[node.id] = try lowering.lowerONNX(c)
                }
            }
        }
        for id in graph.outputNodes {
            let node = graph.nodes[id]
            let rank = node.outputShape.count + 1
            let first = options.layout == .nchw && rank >= 3
            let v = first ? b.toChannelsFirst(value[id]!, rank: rank, name: node.name) : value[id]!
            let name = b.fresh(node.name)
            b.emit("Identity", [v], outputs: [name], name: node.name)
            outputs.append(valueInfo(name, shape: first ? permuted(node.outputShape) : node.outputShape, batch: options.batch))
        }
        ONNXOptimizer.run(b, keep: Set(outputs.map(\.name)))

        var g = ONNXGraphProto()
        g.name = graph.name
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = inputs
        g.output = outputs
        var m = ONNXModelProto()
        m.irVersion = Int64(options.irVersion)
        var opset = ONNXOperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(options.opset)
        m.opsetImport = [opset]
        m.producerName = "convscope"
        m.graph = g
        m.metadataProps = options.metadata.map {
            var e = ONNXStringStringEntryProto()
            e.key = $0.key
            e.value = $0.value
            return e
        }
        return m
    }

    /// Nodes whose output may carry a Keras mask: made by Masking or an Embedding with `mask_zero`, passed on
    /// by kinds that keep masks (`supportsMasking`, mask-aware and recurrent kinds).
    static func maskedNodes(_ graph: Graph) -> Set<Int> {
        var masked = Set<Int>()
        for n in graph.nodes {
            let l = n.layer
            let makes = l is Masking || (l is Embedding && (l.config["mask_zero"]?.boolValue ?? false))
            let passes = n.inputs.contains(where: masked.contains)
                && (type(of: l).supportsMasking || l is any MaskAware || l is any RecurrentKind)
            if makes || passes { masked.insert(n.id) }
        }
        return masked
    }

    /// (d1, …, dk, C) → (C, d1, …, dk).
    static func permuted(_ s: [Int]) -> [Int] { s.count >= 2 ? [s[s.count - 1]] + s.dropLast() : s }

    static func valueInfo(_ name: String, shape: [Int], batch: ONNXBatch) -> ONNXValueInfoProto {
        var shapeProto = ONNXTensorShapeProto()
        var n = ONNXTensorShapeProto.Dimension()
        switch batch {
        case .dynamic: n.dimParam = "N"
        case .fixed(let k): n.dimValue = Int64(k)
        }
        shapeProto.dim = [n] + shape.map {
            var d = ONNXTensorShapeProto.Dimension()
            d.dimValue = Int64($0)
            return d
        }
        var t = ONNXTypeProto.Tensor()
        t.elemType = Int32(ONNXTensorProto.DataType.float.rawValue)
        t.shape = shapeProto
        var type = ONNXTypeProto()
        type.tensorType = t
        var v = ONNXValueInfoProto()
        v.name = name
        v.type = type
        return v
    }
}
