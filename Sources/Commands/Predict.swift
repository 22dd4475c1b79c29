import Foundation
import Graph
import Imaging
import Tensor

/// What `convscope predict` reports (Schemas/predict.schema.json): a top-K table per item for a classifier,
/// every output's values with their shape for any other model.
public struct PredictReport: Codable {
    public struct Guess: Codable {
        public var classIndex: Int
        public var name: String?
        public var probability: Double
    }
    /// One output of the model for one item: the values in C order, their shape without the batch axis.
    public struct Output: Codable {
        public var name: String
        public var shape: [Int]
        public var values: [Double]

        public init(name: String, shape: [Int], values: [Double]) { self.name = name; self.shape = shape; self.values = values }
    }
    public struct Item: Codable {
        public var input: String
        /// A classifier's best classes.
        public var top: [Guess]?
        /// Any other model's outputs, in the model's output order.
        public var outputs: [Output]?

        public init(input: String, top: [Guess]? = nil, outputs: [Output]? = nil) { self.input = input; self.top = top; self.outputs = outputs }
    }
    public var model: String
    public var preprocessing: String
    public var items: [Item]

    public init(model: String, preprocessing: String, items: [Item]) { self.model = model; self.preprocessing = preprocessing; self.items = items }
}

public enum Predict {
    /// The rule `predict` lists classes by: the model has one output, a vector per item (batch, classes), made by a
    /// softmax or sigmoid (an `Activation`/`Softmax` layer, or a layer's own `activation`). Anything else is not a
    /// classifier, and its outputs are printed as values.
    public static func isClassifier(_ graph: Graph) -> Bool {
        guard graph.outputNodes.count == 1 else { return false }
        let out = graph.nodes[graph.outputNodes[0]]
        guard out.outputShape.count == 1 else { return false }
        if out.layer is Softmax { return true }
        let activation = out.layer.config["activation"].flatMap { try? Activation(config: $0, layer: out.name) }
        return activation == .softmax || activation == .sigmoid
    }

    public static func run(model: LoadedModel, inputs: [String], named: [NamedInput] = [], options: ImageOptions,
                           top: Int, batch: Int) throws -> PredictReport {
        try model.imageGraph.checkRunnable()
        let input = try options.loadInputs(inputs, named: named, for: model)
        let classifier = isClassifier(model.imageGraph)
        let outputNames = model.imageGraph.outputNodes.map { model.imageGraph.nodes[$0].name }
        let n = input.tensor.batch
        var items: [PredictReport.Item] = []
        var start = 0
        let plan = InferencePlan(graph: model.imageGraph)                    // fused kernels, built once for every chunk
        while start < n {
            let end = min(n, start + max(1, batch))
            let chunk = (0..<input.tensors.count).map { k in Tensor.stack((start..<end).map { input.tensors[k].item($0) }) }
            let values = try plan.run(chunk)
            let ys = model.imageGraph.outputNodes.map { values[$0]! }
            for b in 0..<(end - start) {
                let name = input.names[start + b]
                if classifier {
                    let row = ys[0].item(b).data
                    let order = row.indices.sorted { row[$0] > row[$1] }.prefix(max(1, top))
                    items.append(.init(input: name, top: order.map {
                        .init(classIndex: $0, name: ClassNames.name($0, classes: row.count), probability: Double(row[$0]))
                    }))
                } else {
                    items.append(.init(input: name, outputs: zip(outputNames, ys).map { o, y in
                        .init(name: o, shape: Array(y.shape.dropFirst()), values: y.item(b).data.map(Double.init))
                    }))
                }
            }
            start = end
        }
        return PredictReport(model: model.imageGraph.name, preprocessing: input.mode.rawValue, items: items)
    }

    public static func render(_ r: PredictReport) -> String {
        var lines: [String] = []
        for it in r.items {
            lines.append("\(it.input):")
            for g in it.top ?? [] {
                lines.append(String(format: "  %5d  %8.5f  %@", g.classIndex, g.probability, (g.name ?? "") as NSString))
            }
            for o in it.outputs ?? [] {
                lines.append("  \(o.name) (\(o.shape.map(String.init).joined(separator: ", "))): \(abbreviated(o.values))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Values as `[a, b, …]`; more than 12 show the first 8 and the last 3 around the count left out.
    static func abbreviated(_ values: [Double]) -> String {
        let shown = values.map { String(format: "%.6g", $0) }
        guard shown.count > 12 else { return "[" + shown.joined(separator: ", ") + "]" }
        return "[" + shown.prefix(8).joined(separator: ", ") + ", … (\(shown.count - 11) more) …, " + shown.suffix(3).joined(separator: ", ") + "]"
    }
}
