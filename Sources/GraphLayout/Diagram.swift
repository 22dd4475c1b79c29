/// A graph to lay out: boxes (one per layer), clusters (nested models) holding boxes and clusters, and
/// edges between boxes. `dot()` writes it in Graphviz's DOT language; `GraphvizRenderer` lays it out.
public struct Diagram: Sendable {
    /// One box: `name` is its unique DOT name (Graphviz writes it as the SVG `<title>`), `elementID` the
    /// SVG element id (`<g id=…>`), `lines` its label, one per line.
    public struct Box: Sendable {
        public var name: String
        public var elementID: String
        public var lines: [String]
        public init(name: String, elementID: String, lines: [String]) {
            self.name = name; self.elementID = elementID; self.lines = lines
        }
    }

    /// A cluster drawn around what it holds (a nested model, expanded).
    public struct Cluster: Sendable {
        public var elementID: String
        public var label: String
        public var boxes: [Box]
        public var clusters: [Cluster]
        public init(elementID: String, label: String, boxes: [Box] = [], clusters: [Cluster] = []) {
            self.elementID = elementID; self.label = label; self.boxes = boxes; self.clusters = clusters
        }
    }

    public var rankDirection: RankDirection
    /// The top level: its label is unused.
    public var root: Cluster
    /// (from, to) by box name.
    public var edges: [(String, String)]

    public init(rankDirection: RankDirection = .TB, root: Cluster, edges: [(String, String)]) {
        self.rankDirection = rankDirection; self.root = root; self.edges = edges
    }

    /// The DOT text: residual branches are plain edges, so `dot` ranks parallel branches side by side.
    /// SVG boxes are rounded in Helvetica (the browser's font, sized by Graphviz's Helvetica metrics); the gd
    /// renderer draws PNGs in DejaVu Sans (a font fontconfig finds) with square boxes (its rounded ones are broken).
    public func dot(for format: DiagramFormat = .svg) -> String {
        let (style, font) = format == .svg ? ("rounded,filled", "Helvetica") : ("filled", "DejaVu Sans")
        var out = ["digraph model {",
                   "  rankdir=\(rankDirection.rawValue); nodesep=0.25; ranksep=0.3; bgcolor=\"\(format == .svg ? "transparent" : "white")\";",
                   "  node [shape=box, style=\"\(style)\", fillcolor=\"#ffffff\", color=\"#555555\", fontname=\"\(font)\", fontsize=10, margin=\"0.12,0.04\"];",
                   "  edge [color=\"#777777\", arrowsize=0.6];"]
        func emit(_ c: Cluster, indent: String) {
            for b in c.boxes {
                out.append("\(indent)\(Self.quoted(b.name)) [id=\(Self.quoted(b.elementID)), label=\(Self.quoted(b.lines.joined(separator: "\n")))];")
            }
            for k in c.clusters {
                out.append("\(indent)subgraph \(Self.quoted("cluster_" + k.elementID)) {")
                out.append("\(indent)  id=\(Self.quoted(k.elementID)); label=\(Self.quoted(k.label)); style=\"\(format == .svg ? "rounded,dashed" : "dashed")\"; color=\"#888888\"; fontname=\"\(font)\"; fontsize=10;")
                emit(k, indent: indent + "  ")
                out.append("\(indent)}")
            }
        }
        emit(root, indent: "  ")
        for (a, b) in edges { out.append("  \(Self.quoted(a)) -> \(Self.quoted(b));") }
        out.append("}")
        return out.joined(separator: "\n")
    }

    /// A DOT double-quoted string: quotes and backslashes escaped, line breaks as `\n` (centred lines).
    static func quoted(_ s: String) -> String {
        var r = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r", "\t": r += " "
            default: r.unicodeScalars.append(ch)
            }
        }
        return r + "\""
    }
}

/// Graphviz's `rankdir`: top to bottom (Keras' plot_model default) or left to right.
public enum RankDirection: String, CaseIterable, Sendable {
    case TB, LR
}

/// What a diagram is rendered to, chosen by the output file's extension.
public enum DiagramFormat: String, CaseIterable, Sendable {
    case svg, png

    /// The format named by a path's extension (`model.svg`, `model.PNG`), nil for any other.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }
}
