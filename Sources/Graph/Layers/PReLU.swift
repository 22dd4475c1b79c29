import Tensor

/// Keras `PReLU`: relu(x) − α · relu(−x) with a learned α of the input's per-sample shape,
/// size 1 along `shared_axes` (Keras numbering: axis 1 is the first axis after the batch).
public final class PReLU: Layer {
    public static let kerasClassNames = ["PReLU"]
    public static let supportsMasking = true                               // passes a mask on, as Keras does
    public static let kerasConfigKeys: Set<String> = ["alpha_constraint", "alpha_initializer", "alpha_regularizer", "shared_axes"]

    public static func keras3VariableNames(config: JSON) -> [String] { ["alpha"] }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let sharedAxes: [Int]
    private var inputShape: [Int] = []

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        if let v = config["shared_axes"], !v.isNull {
            if let i = v.intValue { sharedAxes = [i] } else { sharedAxes = try LayerConfig(layer: name, json: config).intList("shared_axes") }
        } else {
            sharedAxes = []
        }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw LayerError(name, "expects one input") }
        var shape = inputShapes[0]
        for a in sharedAxes {
            guard a >= 1, a <= shape.count else {
                throw LayerError(name, "shared axis \(a) is outside the input's axes 1…\(shape.count)")
            }
            shape[a - 1] = 1
        }
        inputShape = inputShapes[0]
        weights = [try WeightVariable(name: "alpha", shape: shape)]
        return inputShapes[0]
    }

    /// For each per-sample element, the index of its α (broadcast over shared axes).
    private func alphaIndex(count: Int) -> [Int] {
        let aShape = weights[0].value.shape
        if aShape == inputShape { return Array(0..<count) }
        return broadcastSourceIndex(from: aShape, to: inputShape)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw LayerError(name, "input of shape \(x.shape) does not match the built shape \(inputShape)")
        }
        let per = x.itemCount
        let idx = alphaIndex(count: per)
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            weights[0].value.data.withUnsafeBufferPointer { ap in
                for i in p.indices where p[i] < 0 { p[i] *= ap[idx[i % per]] }
            }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let per = x.itemCount
        let idx = alphaIndex(count: per)
        var dx = upstream
        var da = Tensor(zeros: weights[0].value.shape)
        dx.data.withUnsafeMutableBufferPointer { gp in
            x.data.withUnsafeBufferPointer { xp in
                weights[0].value.data.withUnsafeBufferPointer { ap in
                    da.data.withUnsafeMutableBufferPointer { dap in
                        for i in gp.indices where xp[i] < 0 {
                            let j = idx[i % per]
                            dap[j] += gp[i] * xp[i]
                            gp[i] *= ap[j]
                        }
                    }
                }
            }
        }
        return LayerGradients(inputs: [dx], weights: weightGradients ? [da] : [])
    }
}
