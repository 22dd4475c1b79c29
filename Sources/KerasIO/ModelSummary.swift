import Graph

/// One row of `inspect`: a layer of model.layers.
public struct LayerSummary: Codable, Equatable, Sendable {
    public var name: String
    public var className: String
    /// Output shape of each application (without batch); nil entries are unknown.
    /// A nested model with several outputs lists them in order.
    public var outputShapes: [[Int]?]
    public var params: Int
    public var trainable: Bool
    /// Layers feeding it (at the same nesting level), over all its calls, without repeats.
    public var inbound: [String]
    /// Number of times the layer is applied in the graph.
    public var calls: Int
    /// False for opaque kinds (unknown class, Lambda, Keras 1 configs).
    public var runnable: Bool
    /// Nested model's layers, when expanded.
    public var children: [LayerSummary]?
}

/// What `inspect` prints: Keras' summary with counts equal to `count_params`.
public struct ModelSummary: Codable, Equatable, Sendable {
    public var name: String
    public var className: String
    public var layers: [LayerSummary]
    public var totalParams: Int
    public var trainableParams: Int
    public var nonTrainableParams: Int
    public var notes: [String]

    /// A Sequential container: Keras' summary has no "Connected to" column for it.
    public var isSequential: Bool { KerasConfigJSON.isSequential(className) }

    public init(_ model: KerasModel, expandNested: Bool = false) {
        name = model.name
        className = model.className
        layers = Self.rows(model.layers, prefix: "", model: model, expand: expandNested)
        var total = 0, trainable = 0
        for e in model.flattenedLayers {
            guard let l = e.layer else { continue }
            total += l.parameterCount
            if model.effectiveTrainable(e) { trainable += l.weights.filter(\.trainable).reduce(0) { $0 + $1.value.count } }
        }
        totalParams = total
        trainableParams = trainable
        nonTrainableParams = total - trainable
        notes = model.notes
    }

    static func path(ofNode id: Int, in graph: Graph) -> String {
        var p = graph.nodes[id].name
        if let c = p.lastIndex(of: ":"), p[p.index(after: c)...].allSatisfy(\.isNumber) { p = String(p[..<c]) }
        return p
    }

    static func rows(_ entries: [ModelEntry], prefix: String, model: KerasModel, expand: Bool) -> [LayerSummary] {
        let g = model.graph
        return entries.map { e in
            let outs = model.nodesByPath[e.path] ?? []
            var inbound: [String] = []
            var calls = 0
            if let l = e.layer {
                let nodes = g.nodes.filter { $0.layer === l }
                calls = nodes.count
                for n in nodes { for i in n.inputs { add(path(ofNode: i, in: g), &inbound, prefix: prefix) } }
            } else {
                // Nested model: its inbound tensors are those its nodes read from outside it.
                let inner = Set(g.nodes.filter { path(ofNode: $0.id, in: g).hasPrefix(e.path + "/") }.map(\.id))
                for id in inner.sorted() { for i in g.nodes[id].inputs where !inner.contains(i) {
                    add(path(ofNode: i, in: g), &inbound, prefix: prefix)
                } }
                calls = inner.isEmpty ? 0 : max(1, outs.count / max(1, outputCount(e)))
            }
            let params = e.flattenedLayers.reduce(0) { $0 + ($1.layer?.parameterCount ?? 0) }
            let runnable = e.flattenedLayers.allSatisfy { $0.layer?.isRunnable ?? true }
            // A layer with several outputs (return_state …) lists each: its further outputs are `LayerOutput` nodes.
            let every = outs.flatMap { id in [id] + g.nodes.filter { $0.layer is LayerOutput && $0.inputs == [id] }.map(\.id) }
            var row = LayerSummary(name: e.name, className: e.className, outputShapes: every.map { model.outputShape(ofNode: $0) },
                                   params: params, trainable: model.effectiveTrainable(e), inbound: inbound, calls: calls,
                                   runnable: runnable, children: nil)
            if expand, let c = e.children { row.children = rows(c, prefix: e.path + "/", model: model, expand: true) }
            return row
        }
    }

    static func outputCount(_ e: ModelEntry) -> Int {
        KerasConfigJSON.refList(e.config["output_layers"])?.count ?? 1
    }

    /// Adds the name of the entry at this nesting level that owns `nodePath`.
    static func add(_ nodePath: String, _ list: inout [String], prefix: String) {
        var rel = nodePath
        if !prefix.isEmpty, rel.hasPrefix(prefix) { rel = String(rel.dropFirst(prefix.count)) }
        let name = rel.split(separator: "/").first.map(String.init) ?? rel
        if !list.contains(name) { list.append(name) }
    }
}
