import FileSupport
import Foundation
import Graph
import Imaging
import KerasIO
import Measures
import ModelPage
import Tensor

/// One filter (output channel) of a convolution and how much it changed.
public struct FilterChange: Codable, Equatable {
    /// Output channel index (DepthwiseConv2D: input channel × depth multiplier + m).
    public var filter: Int
    /// ‖ΔW_f‖ over the filter's kernel values.
    public var l2Change: Double
}

/// How one layer's weights changed from A to B (all its variables taken together).
public struct LayerChange: Codable, Equatable {
    /// Position in depth order (model.layers order, nested models expanded), from 0.
    public var index: Int
    /// Layer path in A (`outer/inner` inside nested models).
    public var name: String
    /// Layer path in B when it differs from A's.
    public var nameB: String?
    public var className: String
    /// Variable names and shapes, e.g. `kernel (3, 3, 3, 4)`.
    public var weights: [String]
    public var parameterCount: Int
    /// ‖W_A‖ over all the layer's variables.
    public var l2NormA: Double
    /// ‖W_B − W_A‖.
    public var l2Change: Double
    /// ‖W_B − W_A‖ / ‖W_A‖; null when ‖W_A‖ is 0 and the weights changed (0 when unchanged).
    public var relativeChange: Double?
    /// cos(W_A, W_B); null when either is all zeros (1 when both are).
    public var cosineSimilarity: Double?
    /// max |W_B − W_A|.
    public var maxAbsChange: Double
    /// Convolutions only: the five filters with the largest ‖ΔW_f‖, largest first.
    public var topFilters: [FilterChange]?
    /// When either layer is quantized (its variables compared dequantized): the quantization error.
    public var quantization: QuantizationError?
}

/// What `convscope diff` reports (Schemas/diff.schema.json).
public struct DiffReport: Codable {
    public var a: String
    public var b: String
    public var arch: String?
    /// Layers with weights, in depth order.
    public var layers: [LayerChange]
    /// Layers whose weights differ at all.
    public var changedLayers: Int
    public var identical: Bool
    /// Over every weight of the model.
    public var totalL2Change: Double
    public var totalRelativeChange: Double?
    /// PNG bar chart written, if asked for.
    public var png: String?
    /// The model page coloured by change (`--html`), if asked for.
    public var html: String? = nil
}

public enum WeightDiff {
    /// Compares the weights of two models of the same architecture, layer by layer.
    public static func run(a pathA: String, b pathB: String, arch: String?, png: String? = nil, html: String? = nil) throws -> DiffReport {
        let ma = try ModelLoader.load(pathA, arch: arch)
        let mb = try ModelLoader.load(pathB, arch: arch)
        let la = weighted(ma.model), lb = weighted(mb.model)
        try requireSameArchitecture(la, lb, pathA: pathA, pathB: pathB)
        var layers: [LayerChange] = []
        var totalDelta = 0.0, totalA = 0.0
        for (i, (ea, eb)) in zip(la, lb).enumerated() {
            let wa = try QuantizationError.comparable(ea.layer!), wb = try QuantizationError.comparable(eb.layer!)
            let m = WeightChange(a: wa.map(\.value), b: wb.map(\.value))
            totalDelta += m.squaredChange
            totalA += m.squaredNormA
            layers.append(LayerChange(
                index: i, name: ea.path, nameB: eb.path == ea.path ? nil : eb.path, className: ea.className,
                weights: wa.map { "\($0.name) (\($0.value.shape.map(String.init).joined(separator: ", ")))" },
                parameterCount: m.parameters, l2NormA: m.l2NormA, l2Change: m.l2Change,
                relativeChange: m.relativeChange, cosineSimilarity: m.cosine, maxAbsChange: m.maxAbsChange,
                topFilters: topFilters(role: LayerRegistry.role(ofClass: ea.className), a: wa, b: wb),
                quantization: try QuantizationError.between(ea.layer!, eb.layer!)))
        }
        let changed = layers.filter { $0.maxAbsChange > 0 }.count
        let total = totalDelta.squareRoot()
        var report = DiffReport(a: pathA, b: pathB, arch: arch, layers: layers, changedLayers: changed, identical: changed == 0,
                                totalL2Change: total,
                                totalRelativeChange: WeightChange.relative(change: total, norm: totalA.squareRoot()), png: nil)
        if let png {
            try writeChart(report, to: png)
            report.png = png
        }
        if let html {
            try ModelPageFile.write(try ModelPageHTML.render(DiffPage.page(report, model: ma.model)), to: html)
            report.html = html
        }
        return report
    }

    /// Plain layers that hold weights, in depth order.
    static func weighted(_ m: KerasModel) -> [ModelEntry] {
        m.flattenedLayers.filter { ($0.layer?.weights.isEmpty == false) }
    }

    static func shapeText(_ e: ModelEntry) -> String {
        e.layer!.weights.map { "\($0.name) (\($0.value.shape.map(String.init).joined(separator: ", ")))" }.joined(separator: ", ")
    }

    /// Same number of weighted layers, same classes, same variable shapes; else a refusal naming the first difference.
    static func requireSameArchitecture(_ la: [ModelEntry], _ lb: [ModelEntry], pathA: String, pathB: String) throws {
        for k in 0..<max(la.count, lb.count) {
            guard k < la.count else {
                throw CommandError("architectures differ: \(pathB) has an extra layer with weights, '\(lb[k].path)' (\(lb[k].className): \(shapeText(lb[k]))), after \(la.count) matching layers; refusing to compare", kind: .mismatch)
            }
            guard k < lb.count else {
                throw CommandError("architectures differ: \(pathA) has an extra layer with weights, '\(la[k].path)' (\(la[k].className): \(shapeText(la[k]))), after \(lb.count) matching layers; refusing to compare", kind: .mismatch)
            }
            let a = la[k], b = lb[k]
            let sa = try QuantizationError.comparable(a.layer!).map(\.value.shape)
            let sb = try QuantizationError.comparable(b.layer!).map(\.value.shape)
            if a.className != b.className || sa != sb {
                throw CommandError("architectures differ at layer #\(k + 1) with weights: '\(a.path)' is \(a.className) with \(shapeText(a)) in \(pathA) but '\(b.path)' is \(b.className) with \(shapeText(b)) in \(pathB); refusing to compare", kind: .mismatch)
            }
        }
    }

    /// For convolutions: ‖ΔW_f‖ per output filter of the kernel, the five largest.
    static func topFilters(role: LayerRole, a: [WeightVariable], b: [WeightVariable]) -> [FilterChange]? {
        guard case .convolution(let filters) = role else { return nil }
        let index = filters.kernel.flatMap { n in a.firstIndex { $0.name == n } }
            ?? a.firstIndex { $0.name.hasSuffix("kernel") } ?? 0
        guard index < a.count, index < b.count else { return nil }
        let ka = a[index].value, kb = b[index].value
        let shape = ka.shape
        guard shape.count >= 2 else { return nil }
        let (count, filterOf) = filters.filterIndexer(shape: shape)   // the kind says where its filters sit
        var sums = [Double](repeating: 0, count: count)
        for i in 0..<ka.count {
            let d = Double(kb.data[i]) - Double(ka.data[i])
            sums[filterOf(i)] += d * d
        }
        let ranked = sums.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        return ranked.prefix(5).map { FilterChange(filter: $0.offset, l2Change: $0.element.squareRoot()) }
    }

    /// Bar chart of the relative change per layer, written atomically as PNG.
    static func writeChart(_ r: DiffReport, to path: String) throws {
        let chart = BarChart(categories: r.layers.map(\.name), values: r.layers.map { $0.relativeChange ?? 0 },
                             title: "Relative weight change per layer", xLabel: "layer (depth order)",
                             yLabel: "|dW| / |W_A|")
        let image = chart.render(width: max(640, min(4000, 40 * r.layers.count + 200)), height: 480)
        do {
            try AtomicFile.write(data: try PNGCodec.encode(image), to: URL(fileURLWithPath: path))
        } catch let e as AtomicFile.WriteError {
            throw CommandError("cannot write \(path): \(e.message)")
        }
    }

    public static func render(_ r: DiffReport) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "n/a" }
        var lines = ["\(r.a) → \(r.b): \(r.changedLayers) of \(r.layers.count) layers with weights changed; total ‖ΔW‖ \(f(r.totalL2Change)), relative \(f(r.totalRelativeChange))"]
        let w = max(5, r.layers.map(\.name.count).max() ?? 5)
        lines.append("  " + "layer".padding(toLength: w, withPad: " ", startingAt: 0) + "  class                  ‖ΔW‖         ‖ΔW‖/‖W_A‖   cosine       max|ΔW|")
        for l in r.layers {
            var s = "  " + l.name.padding(toLength: w, withPad: " ", startingAt: 0) + "  "
            s += l.className.padding(toLength: 20, withPad: " ", startingAt: 0)
            s += "  " + [f(l.l2Change), f(l.relativeChange), f(l.cosineSimilarity), f(l.maxAbsChange)]
                .map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " ")
            if let t = l.topFilters, l.maxAbsChange > 0 {
                s += "  top filters: " + t.map { "\($0.filter) (\(f($0.l2Change)))" }.joined(separator: ", ")
            }
            lines.append(s)
        }
        lines += QuantizationError.render(r.layers)
        if let p = r.png { lines.append("chart: \(p)") }
        if let p = r.html { lines.append("page: \(p)") }
        return lines.joined(separator: "\n")
    }
}
