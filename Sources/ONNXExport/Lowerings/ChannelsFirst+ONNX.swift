import Graph

/// A channels_first layer: its inputs moved to channels last, the inner kind's lowering, the output moved
/// back — the transposes then cancel against the inner lowering's own channels-first view.
extension ChannelsFirst: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        guard let lowering = inner as? ONNXLowering else { throw c.unsupported("\(className) (channels_first)") }
        let b = c.builder
        func last(_ s: [Int]) -> [Int] { s.count >= 2 ? Array(s.dropFirst()) + [s[0]] : s }
        let xs = zip(c.inputs, c.inputShapes).map { b.toChannelsLast($0, rank: $1.count + 1, name: c.name) }
        let y = try lowering.lowerONNX(c.with(inputs: xs, inputShapes: c.inputShapes.map(last), outputShape: last(c.outputShape)))
        return b.toChannelsFirst(y, rank: c.outputShape.count + 1, name: c.name)
    }
}
