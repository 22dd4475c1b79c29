import Graph

/// Operations of one application of a layer to one sample: `macs`, the multiply-accumulates of its
/// products (convolutions, dense, einsum, attention, recurrent cells), and `otherOps`, everything else
/// counted by the rule of its kind (bias adds, activations, pooling, normalization, merges;
/// docs/cost.md lists the rules).
public struct OpCount: Equatable, Sendable {
    public var macs: Int
    public var otherOps: Int
    public init(macs: Int = 0, otherOps: Int = 0) {
        self.macs = macs
        self.otherOps = otherOps
    }
    public static let zero = OpCount()
    public static func + (a: OpCount, b: OpCount) -> OpCount { OpCount(macs: add(a.macs, b.macs), otherOps: add(a.otherOps, b.otherOps)) }
    public static func * (a: OpCount, k: Int) -> OpCount { OpCount(macs: mul(a.macs, k), otherOps: mul(a.otherOps, k)) }
}

/// The per-sample shapes (no batch axis, every length known) of one application of a layer.
public struct CostShapes: Sendable {
    public var inputs: [[Int]]
    public var output: [Int]
    public init(inputs: [[Int]], output: [Int]) {
        self.inputs = inputs
        self.output = output
    }
    public var input: [Int] { inputs.first ?? [] }
    public var outputCount: Int { elements(output) }
    public var inputCount: Int { elements(input) }
}

/// The product of a shape's lengths.
func elements(_ shape: [Int]) -> Int { mul(shape) }

/// Saturating products and sums: a hostile config's shapes cannot trap a count (Int.max reads as "too many").
func mul(_ xs: Int...) -> Int { mul(xs) }
func mul(_ xs: [Int]) -> Int {
    xs.reduce(1) { a, b in let (r, o) = a.multipliedReportingOverflow(by: b); return o ? Int.max : r }
}
func add(_ xs: Int...) -> Int {
    xs.reduce(0) { a, b in let (r, o) = a.addingReportingOverflow(b); return o ? Int.max : r }
}

/// What a layer kind costs, declared per Swift type (one conformance per kind or family, in the files
/// of this target): nothing here tests class names. A kind without a conformance has no known cost.
public protocol CostRule: Layer {
    /// Operations of one application to one sample with these shapes; nil when unknown (a wrapped
    /// layer without a rule).
    func opCount(_ shapes: CostShapes) -> OpCount?
    /// The receptive field of the output, from the fields of the inputs (nil where an input has none);
    /// nil when the output is no window of the input (Flatten, Dense on vectors, global pooling, recurrence).
    func receptiveField(_ inputs: [ReceptiveField?], _ shapes: CostShapes) -> ReceptiveField?
}

extension CostRule {
    public func receptiveField(_ inputs: [ReceptiveField?], _ shapes: CostShapes) -> ReceptiveField? { nil }
}

/// A kind computing each output element from the element at the same position (activations,
/// normalization, dropout at inference, reshaping that keeps positions): its field is its input's.
public protocol PositionwiseCost: CostRule {
    /// Other ops per output element (0 for data movement).
    var opsPerElement: Int { get }
}

extension PositionwiseCost {
    public func opCount(_ shapes: CostShapes) -> OpCount? { OpCount(otherOps: mul(opsPerElement, shapes.outputCount)) }
    public func receptiveField(_ inputs: [ReceptiveField?], _ shapes: CostShapes) -> ReceptiveField? { inputs.first ?? nil }
}

/// A kind that only moves or reshapes data so that positions change (Flatten, Reshape, Permute, RepeatVector):
/// no operations, and the field ends.
public protocol DataMovementCost: CostRule {}

extension DataMovementCost {
    public func opCount(_ shapes: CostShapes) -> OpCount? { .zero }
}

extension Layer {
    /// The layer's fused activation (`activation` in its config) costs one op per output element unless linear.
    var fusedActivationOps: Int {
        guard let a = try? Activation(config: identity.config["activation"], layer: name) else { return 0 }
        return a == .linear ? 0 : 1
    }

    /// Whether the layer holds a variable named `bias` (one add per output element).
    var biasOps: Int { weights.contains { $0.name == "bias" || $0.name.hasSuffix("/bias") } ? 1 : 0 }
}
