import Tensor

/// A layer ConvScope lists but does not run: an unknown class, a recurrent layer, or a `Lambda`
/// (whose Python code is reported, never executed). Its weights are kept as stored in the file.
public final class OpaqueLayer: Layer {
    public static let kerasClassNames: [String] = []
    public let name: String
    public var className = "Unknown"
    public let config: JSON
    public var weights: [WeightVariable] = []
    public var isRunnable: Bool { false }
    /// Output shape when the file declares one (unknown otherwise).
    public var declaredOutputShape: [Int]?
    /// Why a class ConvScope knows was not built (a config with wrong types, say); nil for unknown classes.
    public var buildFailure: String?

    public init(name: String, config: JSON) throws {
        self.name = name
        self.config = config
    }

    /// Why it cannot run, for error messages.
    public var refusal: String {
        if className == "Lambda" { return "is a Lambda layer: its Python code is never executed by ConvScope" }
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
