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
            let weights = entry?.layer?.weights.map { [$0.name, shapeText($0.value.shape)] } ?? []
            var n = PageModel.Node(name: path, className: l.className, outputShape: outputShapeText(l.outputShapes),
                                   params: l.params, facts: facts, heat: ["params": Double(l.params)],
                                   config: entry.flatMap { $0.config.isNull ? nil : $0.config.serialized() }, weights: weights)
            if let c = l.children { n.children = c.map { node($0, prefix: path + "/") } }
            return n
        }
        let nodes = summary.layers.map { node($0, prefix: "") }
        return PageModel(title: title, facts: [], notes: summary.notes, nodes: nodes,
                         edges: throughNestedInputs(edges(model.graph), nodes: nodes),
                         weightColumns: ["variable", "shape"], defaultHeat: "params")
    }

    /// A nested model's InputLayer is no graph node (its layers read the outer tensor): a connection from
    /// outside into a nested model with one InputLayer is drawn through it, as Keras draws it.
    static func throughNestedInputs(_ edges: [[String]], nodes: [PageModel.Node]) -> [[String]] {
        var inputOf: [String: String] = [:]
        func walk(_ ns: [PageModel.Node]) {
            for n in ns {
                guard let c = n.children else { continue }
                let inputs = c.filter { LayerRegistry.kind(named: $0.className) is InputLayer.Type }
                if inputs.count == 1 { inputOf[n.name] = inputs[0].name }
                walk(c)
            }
        }
        walk(nodes)
        guard !inputOf.isEmpty else { return edges }
        var seen = Set<[String]>(), out: [[String]] = []
        func add(_ e: [String]) { if seen.insert(e).inserted { out.append(e) } }
        for e in edges {
            // The innermost nested model holding the consumer but not the producer.
            let model = inputOf.keys.filter { e[1].hasPrefix($0 + "/") && !e[0].hasPrefix($0 + "/") }.max { $0.count < $1.count }
            if let model, let input = inputOf[model] {
                add([e[0], input])
                add([input, e[1]])
            } else {
                add(e)
            }
        }
        return out
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
