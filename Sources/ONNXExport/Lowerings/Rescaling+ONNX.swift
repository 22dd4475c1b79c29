import Graph
import Tensor

/// Rescaling(scale, offset): x·scale + offset, per channel when they are lists.
extension Rescaling: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        func values(_ key: String, _ d: Float) -> Tensor {
            if let a = config[key]?.arrayValue { return Tensor(shape: [a.count], data: a.map { Float($0.doubleValue ?? Double(d)) }) }
            return Tensor(shape: [], data: [Float(config[key]?.doubleValue ?? Double(d))])
        }
        let b = c.builder
        let y = b.op("Mul", [c.x, b.constant(values("scale", 1), name: "\(c.name)/scale")], name: c.name)
        return b.op("Add", [y, b.constant(values("offset", 0), name: "\(c.name)/offset")], name: c.name)
    }
}
