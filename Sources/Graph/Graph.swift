import Failure
import Tensor

/// One application of a layer: a vertex of the executable graph.
public struct Node {
    public let id: Int
    /// Unique name: the layer's name, `outer/inner` inside a flattened nested model,
    /// with `:k` added when a shared layer is applied again.
    public let name: String
    public let layer: any Layer
    /// Ids of the nodes whose outputs feed this one, in argument order.
    public let inputs: [Int]
    /// Output shape without the batch dimension.
    public let outputShape: [Int]
}

/// A model as ConvScope runs it: nodes in topological order, nested models flattened.
/// One type serves every command; nothing special-cases a model by name.
public final class Graph {
    public let name: String
    public private(set) var nodes: [Node] = []
    public var inputNodes: [Int] = []
    public var outputNodes: [Int] = []
    private var built = Set<ObjectIdentifier>()

    public init(name: String) { self.name = name }

    /// Appends an application of `layer` to the outputs of `inputs`; builds the layer on first use.
    @discardableResult
    public func add(_ layer: any Layer, inputs: [Int], name nodeName: String? = nil) throws -> Int {
        let shapes = inputs.map { nodes[$0].outputShape }
        // Building creates zeroed variables; keep the ones a layer already holds when their shapes
        // still fit (a shared layer applied again, or a layer moved into a derived graph).
        let kept = layer.weights
        let shape = try layer.build(inputShapes: shapes)
        if built.contains(ObjectIdentifier(layer)) && kept.map(\.value.shape) != layer.weights.map(\.value.shape) {
            throw LayerError(layer.name, "shared layer applied to inputs of incompatible shapes \(shapes)")
        }
        if !kept.isEmpty && kept.map(\.value.shape) == layer.weights.map(\.value.shape) { layer.weights = kept }
        built.insert(ObjectIdentifier(layer))
        let id = nodes.count
        var unique = nodeName ?? layer.name
        if nodes.contains(where: { $0.name == unique }) {
            var k = 1
            while nodes.contains(where: { $0.name == "\(unique):\(k)" }) { k += 1 }
            unique = "\(unique):\(k)"
        }
        nodes.append(Node(id: id, name: unique, layer: layer, inputs: inputs, outputShape: shape))
        return id
    }

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// A graph with the same nodes where `replacements` (node id → layer) stand in for some layers.
    /// Other layers are shared with this graph, weights included.
    public func replacing(_ replacements: [Int: any Layer]) throws -> Graph {
        let g = Graph(name: name)
        for n in nodes { try g.add(replacements[n.id] ?? n.layer, inputs: n.inputs, name: n.name) }
        g.inputNodes = inputNodes
        g.outputNodes = outputNodes
        return g
    }

    /// Node of a layer name, accepting plain layer names for nested layers when unambiguous.
    public func resolve(_ name: String) throws -> Node {
        if let n = node(named: name) { return n }
        let tails = nodes.filter { $0.name.hasSuffix("/" + name) }
        if tails.count == 1 { return tails[0] }
        throw GraphError.unknownLayer(name, available: nodes.map(\.name))
    }

    /// Distinct layers in order of first application.
    public var layers: [any Layer] {
        var seen = Set<ObjectIdentifier>()
        return nodes.compactMap { seen.insert(ObjectIdentifier($0.layer)).inserted ? $0.layer : nil }
    }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    public var trainableParameterCount: Int { layers.reduce(0) { $0 + $1.trainableParameterCount } }

    /// Throws, naming the first layer that cannot run, before any work starts. Only nodes that `targets`
    /// (default: the outputs) depend on count: a node that feeds nothing asked for — a Keras 3 functional
    /// config's mask ops (`NotEqual`, `Any`), whose masks the graph recomputes (Mask.swift) — cannot
    /// change a result.
    public func checkRunnable(for targets: [Int]? = nil) throws {
        let needed = ancestors(of: targets ?? outputNodes)
        for n in nodes where needed.contains(n.id) && !n.layer.isRunnable {
            throw GraphError.notRunnable(n.name, reason: (n.layer as? OpaqueLayer)?.refusal ?? "cannot run")
        }
    }

    /// Consumers of each node's output.
    public var consumers: [[Int]] {
        var c = [[Int]](repeating: [], count: nodes.count)
        for n in nodes { for i in n.inputs { c[i].append(n.id) } }
        return c
    }
}

public enum GraphError: ConvScopeFailure {
    case unknownLayer(String, available: [String])
    case notRunnable(String, reason: String)
    case badInput(String)

    public var description: String {
        switch self {
        case .unknownLayer(let n, let avail):
            let shown = avail.prefix(12).joined(separator: ", ")
            return "no layer named '\(n)' (layers: \(shown)\(avail.count > 12 ? ", …" : ""))"
        case .notRunnable(let n, let reason): return "layer '\(n)' \(reason)"
        case .badInput(let m): return m
        }
    }
}
