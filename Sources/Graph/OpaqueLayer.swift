import Tensor

/// A layer ConvScope lists but does not run: an unknown class, a recurrent layer, or a `Lambda`
/// (whose Python code is reported, never executed). Its weights are kept as stored in the file.
public final class OpaqueLayer: Layer {
    public static let kerasClassNames: [String] = []
    public static let kerasConfigKeys: Set<String> = []
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    public var isRunnable: Bool { false }
    /// Output shape when the file declares one (unknown otherwise).
    public var declaredOutputShape: [Int]?
    /// Why a class ConvScope knows was not built (a config with wrong types, say); nil for unknown classes.
    public var buildFailure: String?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
    }

    /// Whether a class holds Python code (`Lambda`), which ConvScope never executes.
    public static func holdsCode(_ className: String) -> Bool { className == "Lambda" }

    /// Why it cannot run, for error messages.
    public var refusal: String {
        if Self.holdsCode(className) { return "is a Lambda layer: its Python code is never executed by ConvScope" }
        if let buildFailure { return "(\(className)) cannot run: \(buildFailure)" }
        return "has class \(className), which ConvScope cannot run"
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        if let s = declaredOutputShape { return s }
        // Unknown semantics: report the input shape through so inspection can continue; marked unknown by callers.
        return inputShapes.first ?? []
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        throw LayerError(name, refusal)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        throw LayerError(name, refusal)
    }
}
