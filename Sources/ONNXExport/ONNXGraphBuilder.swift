import Foundation
import ONNXMessages
import Tensor

/// The ONNX graph being written: nodes in order, float and int64 initializers, unique value names.
/// Lowerings append to it through `add` and `constant`; values are named after the Keras node that made them.
public final class ONNXGraphBuilder {
    /// The opset the nodes are written for (the default domain's version).
    public let opset: Int
    public private(set) var nodes: [ONNXNodeProto] = []
    public private(set) var initializers: [ONNXTensorProto] = []
    private var used = Set<String>()

    init(opset: Int) { self.opset = opset }

    /// A value name not used before, from `base` (a Keras node name, `/` and `:` kept: ONNX allows any string).
    public func fresh(_ base: String) -> String {
        var name = base, k = 1
        while used.contains(name) { name = "\(base)_\(k)"; k += 1 }
        used.insert(name)
        return name
    }

    /// Appends one node of `op` and returns its output names (`outputs` of them), named after `name`.
    @discardableResult
    public func add(_ op: String, _ inputs: [String], name: String, attributes: [ONNXAttribute] = [], outputs: Int = 1) -> [String] {
        var n = ONNXNodeProto()
        n.opType = op
        n.name = fresh("\(name)/\(op)")
        n.input = inputs
        n.output = (0..<outputs).map { fresh(outputs == 1 ? "\(name)/\(op):out" : "\(name)/\(op):out\($0)") }
        n.attribute = attributes.map(\.proto)
        nodes.append(n)
        return n.output
    }

    /// Appends one node writing the values `outputs` (names already taken with `fresh`).
    func emit(_ op: String, _ inputs: [String], outputs: [String], name: String, attributes: [ONNXAttribute] = []) {
        var n = ONNXNodeProto()
        n.opType = op
        n.name = fresh("\(name)/\(op)")
        n.input = inputs
        n.output = outputs
        n.attribute = attributes.map(\.proto)
        nodes.append(n)
    }

    /// One-output form of `add`.
    public func op(_ op: String, _ inputs: [String], name: String, _ attributes: ONNXAttribute...) -> String {
        add(op, inputs, name: name, attributes: attributes)[0]
    }

    /// A float32 initializer holding `t` (its shape as ONNX dims).
    public func constant(_ t: Tensor, name: String) -> String {
        var p = ONNXTensorProto()
        p.name = fresh(name)
        p.dims = t.shape.map(Int64.init)
        p.dataType = Int32(ONNXTensorProto.DataType.float.rawValue)
        p.rawData = t.data.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(p)
        return p.name
    }

    /// A float32 scalar initializer.
    public func scalar(_ v: Float, name: String) -> String { constant(Tensor(shape: [], data: [v]), name: name) }

    /// An int64 initializer (shapes, axes, pads as inputs).
    public func int64s(_ v: [Int], name: String, dims: [Int]? = nil) -> String {
        var p = ONNXTensorProto()
        p.name = fresh(name)
        p.dims = (dims ?? [v.count]).map(Int64.init)
        p.dataType = Int32(ONNXTensorProto.DataType.int64.rawValue)
        let values = v.map { Int64($0).littleEndian }
        p.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(p)
        return p.name
    }

    /// An initializer of any element type with raw little-endian bytes (quantized weights).
    public func raw(_ bytes: Data, type: ONNXTensorProto.DataType, dims: [Int], name: String) -> String {
        var p = ONNXTensorProto()
        p.name = fresh(name)
        p.dims = dims.map(Int64.init)
        p.dataType = Int32(type.rawValue)
        p.rawData = bytes
        initializers.append(p)
        return p.name
    }

    public func transpose(_ x: String, _ perm: [Int], name: String) -> String {
        perm == Array(perm.indices) ? x : op("Transpose", [x], name: name, .ints("perm", perm))
    }

    /// (N, …, C) → (N, C, …) for a value of `rank` axes (batch included).
    public func toChannelsFirst(_ x: String, rank: Int, name: String) -> String {
        transpose(x, ONNXLayout.toFirst(rank: rank), name: name)
    }

    /// (N, C, …) → (N, …, C).
    public func toChannelsLast(_ x: String, rank: Int, name: String) -> String {
        transpose(x, ONNXLayout.toLast(rank: rank), name: name)
    }

    /// Reshape to `shape` (ONNX semantics: 0 copies the input's axis, -1 is inferred).
    public func reshape(_ x: String, _ shape: [Int], name: String) -> String {
        op("Reshape", [x, int64s(shape, name: "\(name)/shape")], name: name)
    }

    /// Replaces the node list (the optimizer's passes).
    func setNodes(_ n: [ONNXNodeProto]) { nodes = n }
    func setInitializers(_ i: [ONNXTensorProto]) { initializers = i }
}

/// Axis orders between Keras' channels-last values and ONNX's channels-first operators.
public enum ONNXLayout {
    /// Permutation taking (N, d1, …, dk, C) to (N, C, d1, …, dk).
    public static func toFirst(rank: Int) -> [Int] { rank < 3 ? Array(0..<rank) : [0, rank - 1] + Array(1..<(rank - 1)) }
    /// Permutation taking (N, C, d1, …, dk) to (N, d1, …, dk, C).
    public static func toLast(rank: Int) -> [Int] { rank < 3 ? Array(0..<rank) : [0] + Array(2..<rank) + [1] }
}

extension ONNXGraphBuilder {
    /// ReduceMean / ReduceMax … over `axes` (attribute up to opset 17, input from 18).
    public func reduce(_ op: String, _ x: String, axes: [Int], keepdims: Bool, name: String) -> String {
        if opset >= 18 || op == "ReduceSum" {
            return add(op, [x, int64s(axes, name: "\(name)/axes")], name: name, attributes: [.int("keepdims", keepdims ? 1 : 0)])[0]
        }
        return add(op, [x], name: name, attributes: [.ints("axes", axes), .int("keepdims", keepdims ? 1 : 0)])[0]
    }

    /// Zero padding of a value: `pads` as ONNX orders them (every axis' begin, then every end).
    public func pad(_ x: String, _ pads: [Int], name: String) -> String {
        op("Pad", [x, int64s(pads, name: "\(name)/pads")], name: name)
    }

    /// x reversed along `axis`.
    public func reverse(_ x: String, axis: Int, name: String) -> String {
        op("Slice", [x, int64s([-1], name: "\(name)/starts"), int64s([Int.min], name: "\(name)/ends"),
                     int64s([axis], name: "\(name)/axes"), int64s([-1], name: "\(name)/steps")], name: name)
    }

    /// x[starts:ends] along `axes` (ends may be Int.max).
    public func slice(_ x: String, starts: [Int], ends: [Int], axes: [Int], name: String) -> String {
        op("Slice", [x, int64s(starts, name: "\(name)/starts"), int64s(ends, name: "\(name)/ends"), int64s(axes, name: "\(name)/axes")], name: name)
    }
}
