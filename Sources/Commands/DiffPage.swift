import Foundation
import KerasIO
import ModelPage

/// `convscope diff A B --html OUT.html`: the model page of A with each layer coloured by how much its
/// weights changed (WeightDiff's relative change) and the change measures in its panel.
enum DiffPage {
    static func page(_ r: DiffReport, model: KerasModel) -> PageModel {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "n/a" }
        var page = ModelPageBuilder.page(title: "\((r.a as NSString).lastPathComponent) → \((r.b as NSString).lastPathComponent)",
                                         summary: ModelSummary(model, expandNested: true), model: model)
        page.facts = [.init("A", r.a), .init("B", r.b), .init("changed layers", "\(r.changedLayers) of \(r.layers.count) with weights"),
                      .init("total ‖ΔW‖", f(r.totalL2Change)), .init("total ‖ΔW‖/‖W_A‖", f(r.totalRelativeChange))]
        let changes = Dictionary(r.layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        page.updateNodes { n in
            guard let c = changes[n.name] else { return }
            // A layer whose ‖W_A‖ is 0 has no relative change: coloured by its absolute change instead.
            n.heat["change"] = c.relativeChange ?? c.l2Change
            n.facts += [.init("‖ΔW‖", f(c.l2Change)), .init("‖ΔW‖/‖W_A‖", f(c.relativeChange)),
                        .init("cosine(W_A, W_B)", f(c.cosineSimilarity)), .init("max |ΔW|", f(c.maxAbsChange))]
            if let t = c.topFilters, c.maxAbsChange > 0 {
                n.facts.append(.init("most-changed filters", t.map { "\($0.filter) (\(f($0.l2Change)))" }.joined(separator: ", ")))
            }
        }
        page.defaultHeat = "change"
        return page
    }
}
