import Graph

/// Keras masks as ONNX values, made where a mask-aware lowering needs one: a float (N, …) value of 1 for
/// kept positions, 0 for masked ones (the value's shape without its feature axis), following the rules
/// the graph executor applies (`Mask.swift`): Embedding(mask_zero) marks index 0, Masking the positions whose
/// features all equal its value; recurrent layers with `return_sequences`, TimeDistributed and the kinds
/// that support masking pass their first input's mask on; merges OR their inputs' masks; attention passes
/// the query's; Concatenate joins them as Keras does. Any other kind's mask is refused in one line naming
/// the layer.
final class ONNXMasks {
    let graph: Graph
    let builder: ONNXGraphBuilder
    private var made: [Int: String?] = [:]

    init(graph: Graph, builder: ONNXGraphBuilder) {
        self.graph = graph
        self.builder = builder
    }

    /// The mask of node `id`'s output (nil: none), `values` holding the ONNX values of the nodes before it.
    func mask(of id: Int, values: [Int: String]) throws -> String? {
        if let m = made[id] { return m }
        let m = try make(id, values)
        made[id] = m
        return m
    }

    private func make(_ id: Int, _ values: [Int: String]) throws -> String? {
        let node = graph.nodes[id], l = node.layer, b = builder, n = node.name
        func first() throws -> String? { node.inputs.isEmpty ? nil : try mask(of: node.inputs[0], values: values) }
        switch l {
        case is Masking:
            let x = values[node.inputs[0]]!
            let value = b.scalar(Float(try l.cfg.double("mask_value", default: 0)), name: "\(n)/mask_value")
            let differs = b.op("Cast", [b.op("Not", [b.op("Equal", [x, value], name: n)], name: n)], name: n, .int("to", 1))
            return b.reduce("ReduceMax", differs, axes: [-1], keepdims: false, name: n)
        case is Embedding:
            guard try l.cfg.bool("mask_zero", default: false) else { return nil }
            let zero = b.scalar(0, name: "\(n)/zero")
            return b.op("Cast", [b.op("Not", [b.op("Equal", [values[node.inputs[0]]!, zero], name: n)], name: n)], name: n, .int("to", 1))
        case let r as any RecurrentKind:
            return r.returnsSequences ? try first() : nil
        case is TimeDistributed:
            return try first()
        case let bi as Bidirectional:
            return bi.forwardLayer.returnsSequences ? try first() : nil
        case is Concatenate:
            // Keras: each input's mask (all kept where it has none) over its features, concatenated, any-ed
            // over the last axis. On the feature axis an input without a mask keeps every step: no mask.
            let masks = try node.inputs.map { try mask(of: $0, values: values) }
            let rank = node.outputShape.count + 1
            let raw = try l.cfg.int("axis", default: -1), axis = raw < 0 ? raw + rank : raw
            let given = masks.compactMap { $0 }
            if axis == rank - 1 {
                return given.count == masks.count ? given.dropFirst().reduce(given[0]) { b.op("Max", [$0, $1], name: n) } : nil
            }
            if given.isEmpty { return nil }
            guard given.count == masks.count else {
                throw ONNXExportError.unsupported(n, "the Keras mask made by Concatenate of masked and unmasked inputs", opset: b.opset)
            }
            return b.op("Concat", given, name: n, .int("axis", axis))
        case let o as LayerOutput:
            // Bidirectional's second sequence (merge_mode None) carries the layer's mask; states carry none.
            return o.source.extraOutputShapes[o.index - 1] == graph.nodes[node.inputs[0]].outputShape
                ? try mask(of: node.inputs[0], values: values) : nil
        case let a as MultiHeadAttentionLike:
            return try mask(of: node.inputs[a.queryInput], values: values)
        case is any MaskAware:
            let masks = try node.inputs.map { try mask(of: $0, values: values) }
            if masks.allSatisfy({ $0 == nil }) { return nil }
            if l is ONNXMergeMask {                                          // the inputs' masks or-ed, none unless all have one
                let given = masks.compactMap { $0 }
                return given.count == masks.count ? given.dropFirst().reduce(given[0]) { b.op("Max", [$0, $1], name: n) } : nil
            }
            if l is ONNXMaskDropping { return nil }
            throw ONNXExportError.unsupported(n, "the Keras mask made by \(l.className)", opset: b.opset)
        default:
            return type(of: l).supportsMasking ? try first() : nil
        }
    }
}

/// Kinds whose output mask is their inputs' masks or-ed (the elementwise merges).
protocol ONNXMergeMask {}
/// Mask-aware kinds whose output carries no mask (global pooling).
protocol ONNXMaskDropping {}
/// Attention kinds: their output's mask is the query's.
protocol MultiHeadAttentionLike {
    var queryInput: Int { get }
}
