import FileSupport
import Foundation
import Inspection
import KerasIO
import ModelPage

/// `convscope inspect FILE --html OUT.html`: the model page, with what inspect reports (file facts,
/// stored weights, and with `--weights` their statistics).
public enum InspectPage {
    /// Writes the page atomically (nested models' layers always on it) and returns the report inspect prints.
    public static func write(path: String, arch: String?, weights: Bool, tree: Bool, expandNested: Bool, batch: Int = 1, out: String) throws -> InspectReport {
        let report = try Inspect.run(path: path, arch: arch, weights: weights, tree: tree, expandNested: expandNested, batch: batch, costOfNested: true)
        let model = report.model == nil ? nil : try ModelLoader.load(path, arch: arch, loadValues: false, warn: false).model
        try ModelPageFile.write(try ModelPageHTML.render(page(report, model: model)), to: out)
        return report
    }

    /// The page of an inspected file: the model's page (or its stored layers when it holds weights only),
    /// file facts at the top, each layer's stored variables (and statistics) in its panel.
    static func page(_ r: InspectReport, model: KerasModel?) -> PageModel {
        let title = (r.file.path as NSString).lastPathComponent
        var page: PageModel
        if let model {
            page = ModelPageBuilder.page(title: title, summary: ModelSummary(model, expandNested: true), model: model)
        } else {
            var order: [String] = [], byLayer: [String: [StoredWeight]] = [:]
            for w in r.storedWeights {
                if byLayer[w.layer] == nil { order.append(w.layer) }
                byLayer[w.layer, default: []].append(w)
            }
            let nodes = order.map { layer in
                let n = byLayer[layer]!.reduce(0) { $0 + $1.count }
                return PageModel.Node(name: layer, className: "stored weights", outputShape: nil, params: n, heat: ["params": Double(n)])
            }
            page = PageModel(title: title, facts: [], notes: [], nodes: nodes, edges: [], weightColumns: [], defaultHeat: "params")
        }
        page.facts = fileFacts(r)
        page.notes = r.notes
        // Variables as stored, with their statistics when computed (--weights).
        let stats = Dictionary(grouping: r.weights ?? [], by: \.layer)
        let stored = Dictionary(grouping: r.storedWeights, by: \.layer)
        let costs = Dictionary((r.cost?.layers ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        page.weightColumns = ["variable", "shape", "dtype"] + (r.weights == nil ? [] : ["min", "max", "mean", "std", "zeros", "NaN/Inf"])
        page.updateNodes { n in
            // Per-layer numbers inspect reports become facts and heat keys here (a `macs` key is drawn on the box
            // and offered first in the heat selector).
            if let c = costs[n.name] {
                if let m = c.macs { n.heat["macs"] = Double(m); n.facts.append(.init("MACs (batch \(r.cost?.batch ?? 1))", InspectCost.scaled(m))) }
                if let o = c.otherOps { n.facts.append(.init("other ops", InspectCost.scaled(o))) }
                if let b = c.activationBytes { n.facts.append(.init("output bytes", formatBytes(b))) }
                if let f = c.receptiveField { n.facts.append(.init("receptive field", "size \(f.size.map(String.init).joined(separator: "×")), stride \(f.stride.map(String.init).joined(separator: "×"))")) }
            }
            let key = [n.name, n.shortName].first { stats[$0] != nil || stored[$0] != nil }
            guard let key else { return }
            // Keras 3 stores variables by index ("0", "1"): named as the layer names them when the counts agree.
            let names = n.weights.map { $0[0] }
            let rows = stats[key]?.count ?? stored[key]?.count ?? 0
            func label(_ stored: String, _ i: Int) -> String {
                names.count == rows && stored.allSatisfy(\.isNumber) ? "\(names[i]) (\(stored))" : stored
            }
            if let s = stats[key] {
                n.weights = s.enumerated().map { i, w in
                    [label(w.name, i), ModelPageBuilder.shapeText(w.shape), w.dtype, Inspect.fmt(w.min), Inspect.fmt(w.max), Inspect.fmt(w.mean),
                     Inspect.fmt(w.std), String(format: "%.1f%%", w.zeroFraction * 100), "\(w.nanCount)/\(w.infCount)"]
                }
            } else if let s = stored[key] {
                n.weights = s.enumerated().map { i, w in [label(w.name, i), ModelPageBuilder.shapeText(w.shape), w.dtype] }
            }
        }
        page.defaultHeat = page.heatMetrics.first?.key
        return page
    }

    static func fileFacts(_ r: InspectReport) -> [PageModel.Fact] {
        let f = r.file
        var facts: [PageModel.Fact] = [.init("file", "\(f.path) (\(formatBytes(f.bytes)))"),
                                       .init("generation", f.generationEvidence.map { "unknown (\($0))" } ?? f.generation)]
        if let v = f.kerasVersion { facts.append(.init("Keras", v)) }
        if let b = f.backend { facts.append(.init("backend", b)) }
        facts.append(.init("contents", f.fullModel ? "full model" : "weights only"))
        if let a = r.arch { facts.append(.init("architecture", a)) }
        facts.append(.init("optimizer state", f.optimizerState ? "present (\(formatBytes(f.optimizerStateBytes)))" : "absent"))
        if let t = f.training, t.optimizer != nil || t.loss != nil {
            facts.append(.init("training", "\(t.optimizer ?? "?")\(t.learningRate.map { ", lr \($0)" } ?? ""), loss \(t.loss ?? "?")"))
        }
        facts.append(.init("parameters", formatCount(r.totalParams)))
        if let t = r.trainableParams { facts.append(.init("trainable", formatCount(t))) }
        if let m = r.model { facts.append(.init("layers", "\(m.layers.count)")) }
        return facts
    }
}

/// A page written whole: temp file, fsync, rename; a failure names the path.
enum ModelPageFile {
    static func write(_ html: String, to path: String) throws { try write(Data(html.utf8), to: path) }

    static func write(_ data: Data, to path: String) throws {
        do {
            try AtomicFile.write(data: data, to: URL(fileURLWithPath: path))
        } catch let e as AtomicFile.WriteError {
            throw CommandError("cannot write \(path): \(e.message)")
        }
    }
}
