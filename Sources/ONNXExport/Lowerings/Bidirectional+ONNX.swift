import Graph

/// Bidirectional: each direction through its own recurrent lowering (the backward one over the input
/// reversed in time) with its half of the initial-state inputs, the backward sequence turned back into
/// time order, then the merge (concat on the last axis, sum, mul, ave). `merge_mode=None` gives both
/// sequences as outputs 0 and 1; with `return_state` the forward then the backward states follow. A
/// Keras mask on the sequence goes to both directions.
extension Bidirectional: ONNXMultiOutputLowering, ONNXMaskAwareLowering {
    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] {
        guard let f = forwardLayer as? ONNXLowering, let bw = backwardLayer as? ONNXLowering else { throw c.unsupported(className) }
        let mode = config["merge_mode"].map { $0.isNull ? nil : $0.stringValue } ?? "concat"
        let sequences = forwardLayer.returnsSequences
        let last = c.outputShape.count - 1
        let half = mode == "concat" ? Array(c.outputShape.dropLast()) + [c.outputShape[last] / 2] : c.outputShape
        let b = c.builder
        let split = 1 + (c.inputs.count - 1) / 2                                  // inputs of the forward direction
        func run(_ l: ONNXLowering, _ inputs: ArraySlice<String>, _ shapes: ArraySlice<[Int]>) throws -> [String] {
            let d = c.with(inputs: [c.x] + inputs, inputShapes: [c.inputShapes[0]] + shapes, outputShape: half)
            return try (l as? ONNXMultiOutputLowering)?.lowerONNXAll(d) ?? [l.lowerONNX(d)]
        }
        let forward = try run(f, c.inputs[1..<split], c.inputShapes[1..<split])
        var backward = try run(bw, c.inputs[split...], c.inputShapes[split...])
        if sequences { backward[0] = b.reverse(backward[0], axis: 1, name: c.name) }
        let states = Array(forward.dropFirst() + backward.dropFirst())
        let (y, yb) = (forward[0], backward[0])
        switch mode {
        case nil: return [y, yb] + states
        case "concat": return [b.op("Concat", [y, yb], name: c.name, .int("axis", -1))] + states
        case "sum": return [b.op("Add", [y, yb], name: c.name)] + states
        case "mul": return [b.op("Mul", [y, yb], name: c.name)] + states
        case "ave": return [b.op("Mul", [b.op("Add", [y, yb], name: c.name), b.scalar(0.5, name: "\(c.name)/half")], name: c.name)] + states
        default: throw c.unsupported("Bidirectional with merge_mode '\(mode!)'")
        }
    }
}
