import Foundation
import GraphLayout

/// The diagram of a page model: one box per visible layer, nested models as one box (collapsed) or
/// as a cluster around their layers (expanded); edges are the graph's connections between visible boxes.
public enum PageDiagram {
    public struct Options: Sendable {
        public var rankDirection: RankDirection
        public var expandNested: Bool
        /// Keras' plot_model `show_shapes`: the output shape on each box.
        public var showShapes: Bool
        /// Parameter and MAC counts on each box (the page's view; plot_model has none).
        public var showCounts: Bool
        public init(rankDirection: RankDirection = .TB, expandNested: Bool = false, showShapes: Bool = true, showCounts: Bool = true) {
            self.rankDirection = rankDirection; self.expandNested = expandNested; self.showShapes = showShapes; self.showCounts = showCounts
        }
    }

    /// The diagram and each box's element id → layer path (for `data-layer`), clusters' element id → model path.
    public static func make(_ page: PageModel, options: Options) -> (diagram: Diagram, boxes: [String: String], clusters: [String: String]) {
        var boxes: [String: String] = [:], clusters: [String: String] = [:]
        var visible: [String] = []
        func level(_ nodes: [PageModel.Node], into c: inout Diagram.Cluster) {
            for n in nodes {
                if options.expandNested, let kids = n.children, !kids.isEmpty {
                    let id = "c\(clusters.count)"
                    clusters[id] = n.name
                    var k = Diagram.Cluster(elementID: id, label: "\(n.shortName) (\(n.className))")
                    level(kids, into: &k)
                    c.clusters.append(k)
                } else {
                    let id = "n\(boxes.count)"
                    boxes[id] = n.name
                    visible.append(n.name)
                    c.boxes.append(Diagram.Box(name: n.name, elementID: id, lines: lines(n, options)))
                }
            }
        }
        var root = Diagram.Cluster(elementID: "root", label: "")
        level(page.nodes, into: &root)
        let owners = Set(visible)
        func owner(_ path: String) -> String? {
            var p = path
            while true {
                if owners.contains(p) { return p }
                guard let slash = p.lastIndex(of: "/") else { return nil }
                p = String(p[..<slash])
            }
        }
        var seen = Set<[String]>(), edges: [(String, String)] = []
        for e in page.edges where e.count == 2 {
            guard let a = owner(e[0]), let b = owner(e[1]), a != b, seen.insert([a, b]).inserted else { continue }
            edges.append((a, b))
        }
        return (Diagram(rankDirection: options.rankDirection, root: root, edges: edges), boxes, clusters)
    }

    static func lines(_ n: PageModel.Node, _ o: Options) -> [String] {
        // On the page a collapsed nested model says it opens (▸); plot draws plot_model's plain boxes.
        var l = [n.shortName, n.className + (n.isNested && o.showCounts ? " ▸" : "")]
        if o.showShapes, let s = n.outputShape { l.append(s) }
        if o.showCounts {
            l.append("\(PageFormat.count(n.params)) params")
            if let m = n.heat["macs"] { l.append("\(PageFormat.count(Int(m))) MACs") }
        }
        return l
    }
}

/// Number formatting shared by the boxes and the page.
public enum PageFormat {
    /// 1234567 → "1.23M"; below 10 000 the plain number.
    public static func count(_ n: Int) -> String {
        let a = abs(Double(n))
        if a < 10_000 { return "\(n)" }
        for (limit, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where a >= limit {
            return String(format: "%.3g", Double(n) / limit) + suffix
        }
        return "\(n)"
    }
}
