import Foundation
import GraphLayout
import KerasIO
import ModelPage

/// What `convscope plot` wrote.
public struct PlotResult: Codable {
    public var out: String
    public var format: String
    /// Boxes drawn (layers, nested models counted once unless expanded).
    public var boxes: Int
    public var edges: Int
}

/// `convscope plot FILE --out model.svg|model.png`: what keras.utils.plot_model draws — a box per layer
/// with its name and class (and output shape with `--show-shapes`), laid out by Graphviz in-process.
public enum Plot {
    public static func run(path: String, arch: String?, out: String, showShapes: Bool, rankDirection: RankDirection,
                           expandNested: Bool) throws -> PlotResult {
        guard let format = DiagramFormat(path: out) else {
            throw CommandError("--out \(out): the extension names no diagram format; use .\(DiagramFormat.allCases.map(\.rawValue).joined(separator: " or ."))")
        }
        let model = try ModelLoader.load(path, arch: arch, loadValues: false, warn: false).model
        let page = ModelPageBuilder.page(title: path, summary: ModelSummary(model, expandNested: true), model: model)
        let (diagram, boxes, _) = PageDiagram.make(page, options: .init(rankDirection: rankDirection, expandNested: expandNested,
                                                                        showShapes: showShapes, showCounts: false))
        let data = try GraphvizRenderer.render(diagram, format: format)
        try ModelPageFile.write(data, to: out)
        return PlotResult(out: out, format: format.rawValue, boxes: boxes.count, edges: diagram.edges.count)
    }
}
