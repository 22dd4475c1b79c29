import Tensor

/// One 3-D kind that is a 2-D kind applied twice: over the (height, width) of every depth slice, then over
/// (depth, outH·outW) images along depth. Right wherever the 3-D window is the product of a (height, width)
/// window and a depth window and the op treats the two alike: pooling (TensorFlow's inside-only windows
/// are products of boxes too), padding, cropping, nearest upsampling.
public protocol VolumeStages {
    static var kerasClassNames: [String] { get }
    static var kerasConfigKeys: Set<String> { get }
    static var role: LayerRole { get }
    /// The 2-D class name, and its configs for the (height, width) stage and the depth stage.
    static func stages(_ c: LayerConfig) throws -> (className: String, plane: JSON, depth: JSON)
}

/// The layer of every `VolumeStages` kind (MaxPooling3D, ZeroPadding3D …): two 2-D layers through views of
/// the same values. The 2-D stages keep what backward needs in `tape.indices` at most (max pooling's
/// switches), which this layer's tape carries stage by stage.
public final class StagedVolume<Stages: VolumeStages>: Layer {
    public static var kerasClassNames: [String] { Stages.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { Stages.kerasConfigKeys }
    public static var role: LayerRole { Stages.role }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    public let plane: any Layer, depth: any Layer
    /// (D, H, W, C) and the plane stage's (outH, outW, C), once built.
    private var input: [Int] = [], planeOutput: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        try c.requireChannelsLast()
        let (kind, p, d) = try Stages.stages(c)
        plane = try LayerRegistry.make(className: kind, name: name, config: p)
        depth = try LayerRegistry.make(className: kind, name: name, config: d)
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == 4 else {
            throw LayerError(name, "expects one (depth, height, width, channels) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        let p = try plane.build(inputShapes: [[s[1], s[2], s[3]]])               // (outH, outW, C)
        let d = try depth.build(inputShapes: [[s[0], p[0] * p[1], s[3]]])        // (outD, outH·outW, C)
        (input, planeOutput) = (s, p)
        return [d[0], p[0], p[1], s[3]]
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                                       // (N, D, H, W, C)
        guard x.rank == 5, Array(x.shape.dropFirst()) == input else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape")
        }
        let n = x.batch, (dd, c) = (input[0], input[3])
        let planeTape = tape.map { _ in Tape() }, depthTape = tape.map { _ in Tape() }
        let slices = x.reshaped([n * dd, input[1], input[2], c])                // (N·D, H, W, C)
        planeTape?.inputs = [slices]
        let a = try plane.forward([slices], context: &context, tape: planeTape)  // (N·D, outH, outW, C)
        let columns = a.reshaped([n, dd, planeOutput[0] * planeOutput[1], c])   // (N, D, outH·outW, C)
        depthTape?.inputs = [columns]
        let y = try depth.forward([columns], context: &context, tape: depthTape) // (N, outD, outH·outW, C)
        if let tape {
            tape.saved = [columns]
            tape.indices = planeTape!.indices + depthTape!.indices
        }
        return y.reshaped([n, y.shape[1], planeOutput[0], planeOutput[1], c])   // (N, outD, outH, outW, C)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0], columns = tape.saved[0]
        let n = x.batch, c = input[3]
        let planeTape = Tape(), depthTape = Tape()
        planeTape.inputs = [x.reshaped([n * input[0], input[1], input[2], c])]
        depthTape.inputs = [columns]
        if !tape.indices.isEmpty {
            planeTape.indices = Array(tape.indices[..<columns.count])
            depthTape.indices = Array(tape.indices[columns.count...])
        }
        let up = upstream.reshaped([n, upstream.shape[1], columns.shape[2], c])                  // (N, outD, outH·outW, C)
        let dColumns = try depth.backward(up, tape: depthTape, rule: rule, weightGradients: false).inputs[0]
        let dSlices = try plane.backward(dColumns.reshaped([n * input[0], planeOutput[0], planeOutput[1], c]),
                                         tape: planeTape, rule: rule, weightGradients: false).inputs[0]   // (N·D, H, W, C)
        return LayerGradients(inputs: [dSlices.reshaped(x.shape)])
    }
}

/// Reads a 3-D `padding` / `cropping`: an int, three ints, or three (before, after) pairs. Returns the
/// (before, after) pairs of depth, height and width.
func volumeAmounts(_ c: LayerConfig, key: String, default d: Int) throws -> [[Int]] {
    guard let v = c.json[key], !v.isNull else { return Array(repeating: [d, d], count: 3) }
    if let i = v.intValue { return Array(repeating: [i, i], count: 3) }
    let bad = LayerError(c.layer, "config '\(key)' must be an int, three ints, or three pairs, found \(v.serialized())")
    guard let a = v.arrayValue, a.count == 3 else { throw bad }
    let pairs: [[Int]] = try a.map { e in
        if let i = e.intValue { return [i, i] }
        guard let p = e.arrayValue, p.count == 2, let x = p[0].intValue, let y = p[1].intValue else { throw bad }
        return [x, y]
    }
    guard pairs.joined().allSatisfy({ $0 >= 0 }) else { throw bad }
    return pairs
}

/// The JSON of an int list.
func jsonInts(_ values: [Int]) -> JSON { .array(values.map { JSON.number(Double($0)) }) }

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension StagedVolume: ChannelsFirstCapable {}
