/// What a model page shows, as data: the page draws whatever facts and heat metrics its nodes carry,
/// so a new per-layer number is one more `facts` entry and one more `heat` key where the model is built.
public struct PageModel: Codable, Sendable {
    public struct Fact: Codable, Equatable, Sendable {
        public var label: String
        public var value: String
        public init(_ label: String, _ value: String) { self.label = label; self.value = value }
    }

    /// One layer (or nested model, with `children`).
    public struct Node: Codable, Sendable {
        /// Layer path (`outer/inner` inside nested models): unique, the node's `data-layer`.
        public var name: String
        public var className: String
        /// e.g. `(None, 56, 56, 256)`; nil when unknown.
        public var outputShape: String?
        public var params: Int
        /// Shown when the node is selected, in order.
        public var facts: [Fact]
        /// Heat metrics by key (`params`, `macs`, `change`); a metric present on any node is offered in the selector.
        public var heat: [String: Double]
        /// The layer's Keras config as JSON text.
        public var config: String?
        /// One row per variable, columns as `PageModel.weightColumns`.
        public var weights: [[String]]
        /// A nested model's layers.
        public var children: [Node]?

        public init(name: String, className: String, outputShape: String?, params: Int, facts: [Fact] = [],
                    heat: [String: Double] = [:], config: String? = nil, weights: [[String]] = [], children: [Node]? = nil) {
            self.name = name; self.className = className; self.outputShape = outputShape; self.params = params
            self.facts = facts; self.heat = heat; self.config = config; self.weights = weights; self.children = children
        }

        /// The name shown on the box: the last path component.
        public var shortName: String { name.split(separator: "/").last.map(String.init) ?? name }
        public var isNested: Bool { children != nil }
    }

    public var title: String
    /// File facts shown at the top (generation, Keras version, optimizer state …).
    public var facts: [Fact]
    public var notes: [String]
    /// model.layers in order.
    public var nodes: [Node]
    /// The graph's connections between layer paths (innermost layers; `PageDiagram` draws them between
    /// whatever boxes are visible).
    public var edges: [[String]]
    public var weightColumns: [String]
    /// The metric coloured when the page opens (a key of the nodes' `heat`), nil for none.
    public var defaultHeat: String?

    public init(title: String, facts: [Fact], notes: [String], nodes: [Node], edges: [[String]],
                weightColumns: [String], defaultHeat: String?) {
        self.title = title; self.facts = facts; self.notes = notes; self.nodes = nodes; self.edges = edges
        self.weightColumns = weightColumns; self.defaultHeat = defaultHeat
    }

    /// Every node, nested models' layers after their model, depth first.
    public var allNodes: [Node] {
        func walk(_ ns: [Node]) -> [Node] { ns.flatMap { [$0] + walk($0.children ?? []) } }
        return walk(nodes)
    }

    /// Whether any layer is a nested model (the page then offers both views).
    public var hasNested: Bool { nodes.contains { $0.isNested } }

    /// Heat metrics present, in a fixed order, with their labels.
    public var heatMetrics: [(key: String, label: String)] {
        let present = Set(allNodes.flatMap(\.heat.keys))
        let known = Self.metricLabels.filter { present.contains($0.key) }
        let other = present.subtracting(known.map(\.key)).sorted().map { (key: $0, label: $0) }
        return known + other
    }

    static let metricLabels: [(key: String, label: String)] = [
        ("macs", "MACs"), ("params", "parameters"), ("change", "relative weight change"),
    ]
}
