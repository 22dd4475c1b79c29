import Foundation
import Graph
import Imaging
import Tensor

/// What `convscope predict` reports (Schemas/predict.schema.json).
public struct PredictReport: Codable {
    public struct Guess: Codable {
        public var classIndex: Int
        public var name: String?
        public var probability: Double
    }
    public struct Item: Codable {
        public var input: String
        public var top: [Guess]
    }
    public var model: String
    public var preprocessing: String
    public var items: [Item]
}

public enum Predict {
    public static func run(model: LoadedModel, inputs: [String], options: ImageOptions, top: Int, batch: Int) throws -> PredictReport {
        try model.graph.checkRunnable()
        let input = try options.load(inputs, for: model)
        let n = input.tensor.batch
        var items: [PredictReport.Item] = []
        var start = 0
        while start < n {
            let end = min(n, start + max(1, batch))
            let chunk = Tensor.stack((start..<end).map { input.tensor.item($0) })
            let y = try model.graph.predict(chunk)
            guard y.rank == 2 else { throw CommandError("model output has shape \(y.shape); predict needs a vector of class scores") }
            let classes = y.shape[1]
            for b in 0..<(end - start) {
                let row = Array(y.data[(b * classes)..<((b + 1) * classes)])
                let order = row.indices.sorted { row[$0] > row[$1] }.prefix(max(1, top))
                items.append(.init(input: input.names[start + b],
                                   top: order.map { .init(classIndex: $0, name: ClassNames.name($0, classes: classes), probability: Double(row[$0])) }))
            }
            start = end
        }
        return PredictReport(model: model.graph.name, preprocessing: input.mode.rawValue, items: items)
    }

    public static func render(_ r: PredictReport) -> String {
        var lines: [String] = []
        for it in r.items {
            lines.append("\(it.input):")
            for g in it.top {
                lines.append(String(format: "  %5d  %8.5f  %@", g.classIndex, g.probability, (g.name ?? "") as NSString))
            }
        }
        return lines.joined(separator: "\n")
    }
}
