import Graph

/// One entry of a Keras model's `model.layers`, in that order. A nested model (a Sequential or
/// Functional used as a layer) has `children`; its layers are flattened into the graph as `outer/inner`.
public struct ModelEntry {
    /// Layer name as Keras knows it (not prefixed).
    public let name: String
    /// Path in the flattened graph: `outer/inner` inside nested models.
    public let path: String
    public let className: String
    /// The layer object (nil for a nested model, whose layers are its children).
    public let layer: (any Layer)?
    /// Nested model's own `layers`, in order (nil for plain layers).
    public var children: [ModelEntry]?
    /// The model config object, for nested models (trainable flag, name).
    public let config: JSON

    public var isModel: Bool { children != nil }

    /// Plain layers of this entry in order, descending into nested models.
    public var flattenedLayers: [ModelEntry] {
        guard let children else { return [self] }
        return children.flatMap(\.flattenedLayers)
    }
}

/// A Keras model read from its config: the executable graph plus what Keras' own view needs
/// (model.layers order, nesting, which shapes are unknown).
public final class KerasModel {
    public let name: String
    /// "Sequential", "Functional" or "Model".
    public let className: String
    public let graph: Graph
    /// `model.layers` in Keras' order (Sequential: without its InputLayer; Functional: with them).
    public let layers: [ModelEntry]
    /// Graph nodes whose output shape Keras would know but ConvScope cannot infer
    /// (after an unknown layer kind or a Lambda without `output_shape`).
    public let unknownShapeNodes: Set<Int>
    /// Remarks worth showing: Lambda layers holding code, layers kept opaque and why.
    public let notes: [String]
    /// Node ids of every application of each layer, by layer path.
    public let nodesByPath: [String: [Int]]
    /// The model config this model was built from (`{"class_name", "config"}`), as read; nil when unknown.
    /// Writers reuse it so an exported file describes the model exactly as its source did.
    public internal(set) var sourceConfig: JSON?

    init(name: String, className: String, graph: Graph, layers: [ModelEntry], unknownShapeNodes: Set<Int>,
         notes: [String], nodesByPath: [String: [Int]]) {
        self.name = name
        self.className = className
        self.graph = graph
        self.layers = layers
        self.unknownShapeNodes = unknownShapeNodes
        self.notes = notes
        self.nodesByPath = nodesByPath
    }

    /// Every plain (non-model) layer in model.layers order, nested models expanded in place.
    public var flattenedLayers: [ModelEntry] { layers.flatMap(\.flattenedLayers) }

    /// Output shape of a node, nil when it is unknown.
    public func outputShape(ofNode id: Int) -> [Int]? {
        unknownShapeNodes.contains(id) ? nil : graph.nodes[id].outputShape
    }

    /// Total parameters as Keras' count_params.
    public var parameterCount: Int { graph.parameterCount }
    public var trainableParameterCount: Int {
        flattenedLayers.reduce(0) { acc, e in
            guard let l = e.layer else { return acc }
            return acc + (effectiveTrainable(e) ? l.weights.filter(\.trainable).reduce(0) { $0 + $1.value.count } : 0)
        }
    }

    /// A layer is trainable when it and every enclosing model are (`trainable: false` freezes all below).
    public func effectiveTrainable(_ entry: ModelEntry) -> Bool {
        if entry.config["trainable"]?.boolValue == false { return false }
        if let l = entry.layer, !l.configTrainable { return false }
        var prefix = entry.path
        while let slash = prefix.lastIndex(of: "/") {
            prefix = String(prefix[..<slash])
            if let e = self.entry(path: prefix), e.config["trainable"]?.boolValue == false { return false }
        }
        return true
    }

    /// The entry at a path (`outer/inner`).
    public func entry(path: String) -> ModelEntry? {
        func find(_ es: [ModelEntry]) -> ModelEntry? {
            for e in es {
                if e.path == path { return e }
                if let c = e.children, path.hasPrefix(e.path + "/"), let f = find(c) { return f }
            }
            return nil
        }
        return find(layers)
    }
}
