import Graph
import Tensor

/// Normalization with its statistics (config or adapted variables): y = (x − mean)/max(√variance, 10⁻⁷),
/// or with `invert` y = mean + x·max(√variance, 10⁻⁷); the statistics folded into one scale and one
/// shift shaped to broadcast over the kept axes.
extension Normalization: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let shape = c.inputShapes[0], rank = c.rank
        let axis = config["axis"]
        let kept = axis?.isNull ?? false || axis?.arrayValue?.isEmpty ?? false
            ? [] : (axis?.intValue.map { [$0] } ?? axis?.arrayValue?.compactMap(\.intValue) ?? [-1]).map { $0 < 0 ? $0 + rank : $0 }.sorted()
        func values(_ key: String, _ index: Int) -> [Float] {
            if let v = config[key], !v.isNull {
                func flat(_ j: JSON) -> [Float] { j.doubleValue.map { [Float($0)] } ?? (j.arrayValue ?? []).flatMap(flat) }
                return flat(v)
            }
            return weights[index].value.data
        }
        let invert = try cfg.bool("invert", default: false)
        var mean = values("mean", 0), variance = values("variance", 1)
        let n = max(mean.count, variance.count)                                    // a single value broadcasts
        if mean.count == 1 { mean = [Float](repeating: mean[0], count: n) }
        if variance.count == 1 { variance = [Float](repeating: variance[0], count: n) }
        // (1, d1, …): the kept axes' sizes, 1 elsewhere; a scalar when there is one statistic.
        let statShape = n == 1 ? [] : [1] + (1..<rank).map { kept.contains($0) ? shape[$0 - 1] : 1 }
        let s = variance.map { max($0.squareRoot(), Float(1e-7)) }
        let scale = Tensor(shape: statShape, data: invert ? s : s.map { 1 / $0 })
        let shift = Tensor(shape: statShape, data: invert ? mean : zip(mean, s).map { -$0 / $1 })
        let b = c.builder
        let y = b.op("Mul", [c.x, b.constant(scale, name: "\(c.name)/scale")], name: c.name)
        return b.op("Add", [y, b.constant(shift, name: "\(c.name)/shift")], name: c.name)
    }
}
