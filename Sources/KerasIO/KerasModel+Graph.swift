import Graph

extension KerasModel {
    /// Wraps a graph built in code (the Zoo) so it can be summarised and paired like a model read from a file.
    /// `config` is the Keras model config describing the graph (the Zoo's), kept for writers.
    public static func wrapping(_ graph: Graph, className: String = "Functional", config: JSON? = nil) -> KerasModel {
        var byPath: [String: [Int]] = [:]
        for n in graph.nodes {
            var path = n.name
            if let c = path.lastIndex(of: ":"), path[path.index(after: c)...].allSatisfy(\.isNumber) { path = String(path[..<c]) }
            byPath[path, default: []].append(n.id)
        }
        let model = KerasModel(name: graph.name, className: className, graph: graph, layers: ModelEntry.entries(from: graph),
                               unknownShapeNodes: [], notes: [], nodesByPath: byPath)
        model.sourceConfig = config
        return model
    }
}
