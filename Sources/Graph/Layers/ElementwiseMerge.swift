import Tensor

/// One elementwise merge kind (Add, Subtract, Multiply, Average, Maximum, …): its Keras class names,
/// how many inputs it takes, and its forward and backward on inputs already broadcast to one shape.
public protocol MergeOperation {
    static var kerasClassNames: [String] { get }
    /// Whether the kind takes exactly two inputs (Subtract) instead of two or more.
    static var takesExactlyTwoInputs: Bool { get }
    /// The output from the inputs, each broadcast to the output's (N, …) shape.
    static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor
    /// The gradient at each broadcast input from the output's gradient `upstream`.
    static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor]
}

extension MergeOperation {
    public static var takesExactlyTwoInputs: Bool { false }
}

/// The layer of every elementwise merge (as mlx-swift's `Pool` serves every pooling): Keras' shape rule
/// and size-1 broadcasting here, the arithmetic in the `MergeOperation`. Merges have no settings.
public final class ElementwiseMerge<Operation: MergeOperation>: MaskAware {
    public static var kerasClassNames: [String] { Operation.kerasClassNames }
    public static var kerasConfigKeys: Set<String> { [] }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
    }

    private func checkCount(_ count: Int) throws {
        if Operation.takesExactlyTwoInputs, count != 2 { throw LayerError(name, "expects exactly two inputs, got \(count)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        try checkCount(inputShapes.count)
        return try Merge.outputShape(name, inputShapes)
    }

    /// Keras' merge mask: the inputs' masks or-ed, none when any input has none.
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        let given = masks.compactMap { $0 }
        return given.count == inputs.count && !given.isEmpty ? Masks.or(given) : nil
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try checkCount(inputs.count)
        let shape = try Merge.runtimeShape(name, inputs)                     // (N, …) broadcast shape
        return Operation.forward(inputs.map { Merge.expand($0, to: shape) }, tape: tape)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let full = tape.inputs.map { Merge.expand($0, to: upstream.shape) }
        let grads = Operation.backward(upstream, inputs: full, tape: tape)   // each of the broadcast shape
        return LayerGradients(inputs: zip(grads, tape.inputs).map { Merge.reduce($0, to: $1.shape) })
    }
}
