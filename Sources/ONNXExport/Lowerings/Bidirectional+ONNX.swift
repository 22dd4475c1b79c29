import Graph

/// Bidirectional: each direction through its own recurrent lowering (the backward one over the input
/// reversed in time), the backward sequence turned back into time order, then the merge (concat on the
/// last axis, sum, mul, ave). `merge_mode=None` (two outputs) and initial-state inputs are refused.
extension Bidirectional: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard c.inputs.count == 1 else { throw c.unsupported("Bidirectional with initial-state inputs") }
        guard let f = forwardLayer as? ONNXLowering, let bw = backwardLayer as? ONNXLowering else { throw c.unsupported(className) }
        let mode = config["merge_mode"].map { $0.isNull ? nil : $0.stringValue } ?? "concat"
        guard let mode else { throw c.unsupported("Bidirectional with merge_mode None") }
        let sequences = forwardLayer.returnsSequences
        let half = mode == "concat" ? Array(c.outputShape.dropLast()) + [c.outputShape[c.outputShape.count - 1] / 2] : c.outputShape
        let b = c.builder
        let forward = try f.lowerONNX(c.with(inputs: c.inputs, inputShapes: c.inputShapes, outputShape: half))
        var backward = try bw.lowerONNX(c.with(inputs: c.inputs, inputShapes: c.inputShapes, outputShape: half))
        if sequences { backward = b.reverse(backward, axis: 1, name: c.name) }
        switch mode {
        case "concat": return b.op("Concat", [forward, backward], name: c.name, .int("axis", -1))
        case "sum": return b.op("Add", [forward, backward], name: c.name)
        case "mul": return b.op("Mul", [forward, backward], name: c.name)
        case "ave": return b.op("Mul", [b.op("Add", [forward, backward], name: c.name), b.scalar(0.5, name: "\(c.name)/half")], name: c.name)
        default: throw c.unsupported("Bidirectional with merge_mode '\(mode)'")
        }
    }
}
