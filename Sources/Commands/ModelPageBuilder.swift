import Foundation
import Graph
import KerasIO
import ModelPage

/// The one place a page model is filled from what ConvScope knows of a model: each layer's class, output
/// shape, parameters, config and variables, the graph's connections, and `params` as a heat metric.
/// Per-layer numbers another command computes are added as node `facts` and `heat` keys (`PageModel.Node`).
enum ModelPageBuilder {
    static func page(title: String, summary: ModelSummary, model: KerasModel) -> PageModel {
        func node(_ l: LayerSummary, prefix: String) -> PageModel.Node {
            let path = prefix + l.name
            let entry = model.entry(path: path)
            var facts: [PageModel.Fact] = []
            if !l.trainable && l.params > 0 { facts.append(.init("trainable", "no")) }
            if l.calls > 1 { facts.append(.init("calls", "\(l.calls)")) }
            if !l.inbound.isEmpty { facts.append(.init("connected to", l.inbound.joined(separator: ", "))) }
            if !l.runnable { facts.append(.init("runnable", "no (listed only)")) }
            let weights = entry?.layer?.weights.map { ["\($0.name)", shapeText($0.value.shape), "float32"] } ?? []
            var n = PageModel.Node(name: path, className: l.className, outputShape: outputShapeText(l.outputShapes),
                                   params: l.params, facts: facts, heat: ["params": Double(l.params)],
                                   config: entry.flatMap { $0.config.isNull ? nil : $0.config.serialized() }, weights: weights)
            if let c = l.children { n.children = c.map { node($0, prefix: path + "/") } }
            return n
        }
        return PageModel(title: title, facts: [], notes: summary.notes,
                         nodes: summary.layers.map { node($0, prefix: "") }, edges: edges(model.graph),
                         weightColumns: ["variable", "shape", "dtype"], defaultHeat: "params")
    }

    /// Every connection of the graph, between layer paths (a node `path:k` is the layer's k-th call,
    /// `path#k` its k-th further output).
    static func edges(_ g: Graph) -> [[String]] {
        func path(_ id: Int) -> String {
            var p = g.nodes[id].name
            if let hash = p.firstIndex(of: "#") { p = String(p[..<hash]) }
            if let c = p.lastIndex(of: ":"), p[p.index(after: c)...].allSatisfy(\.isNumber) { p = String(p[..<c]) }
            return p
        }
        var seen = Set<[String]>(), out: [[String]] = []
        for n in g.nodes { for i in n.inputs {
            let e = [path(i), path(n.id)]
            if e[0] != e[1], seen.insert(e).inserted { out.append(e) }
        } }
        return out
    }

    /// Keras' way: `(None, 56, 56, 256)`; an axis of unknown length prints None.
    static func outputShapeText(_ shapes: [[Int]?]) -> String? {
        let known = shapes.compactMap { $0 }
        guard !known.isEmpty else { return nil }
        return known.map { "(None" + $0.map { $0 < 0 ? ", None" : ", \($0)" }.joined() + ")" }.joined(separator: ", ")
    }

    static func shapeText(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + ")" }
}

extension PageModel {
    /// Applies `f` to every node, nested ones included.
    mutating func updateNodes(_ f: (inout Node) -> Void) {
        func walk(_ ns: inout [Node]) {
            for i in ns.indices {
                f(&ns[i])
                if ns[i].children != nil { walk(&ns[i].children!) }
            }
        }
        walk(&nodes)
    }
}
