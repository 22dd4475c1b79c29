import Tensor

/// Keras `Permute(dims)`: reorders the per-sample axes; `dims` is 1-based (1 = first axis after the batch).
/// Output axis i takes input axis dims[i].
public final class Permute: Layer {
    public static let kerasClassNames = ["Permute"]
    public static let kerasConfigKeys: Set<String> = ["dims"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let dims: [Int]

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        dims = try LayerConfig(layer: name, json: config).intList("dims")
        guard dims.sorted() == Array(1...max(dims.count, 1)) else {
            throw LayerError(name, "dims \(dims) must be a permutation of 1…\(dims.count)")
        }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == dims.count else {
            throw LayerError(name, "dims \(dims) need one input of rank \(dims.count) (per sample), got \(inputShapes)")
        }
        return dims.map { inputShapes[0][$0 - 1] }
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]
        guard x.rank == dims.count + 1 else { throw LayerError(name, "input of shape \(x.shape) does not have \(dims.count) feature axes") }
        return permuteAxes(x, [0] + dims)                                     // (N, x.shape[dims]…)
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let perm = [0] + dims
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return LayerGradients(inputs: [permuteAxes(upstream, inverse)])
    }
}

/// Transposes `t` so that output axis i is input axis perm[i].
public func permuteAxes(_ t: Tensor, _ perm: [Int]) -> Tensor {
    let rank = t.rank
    var inStrides = [Int](repeating: 1, count: rank)
    for a in stride(from: rank - 2, through: 0, by: -1) { inStrides[a] = inStrides[a + 1] * t.shape[a + 1] }
    let outShape = perm.map { t.shape[$0] }
    let strides = perm.map { inStrides[$0] }                              // input stride of each output axis
    var y = Tensor(zeros: outShape)
    guard y.count > 0 else { return y }
    t.data.withUnsafeBufferPointer { tp in
        y.data.withUnsafeMutableBufferPointer { yp in
            let lastN = outShape[rank - 1], lastS = strides[rank - 1]
            forEachStridedRow(shape: outShape, strides: strides) { o, src in
                for k in 0..<lastN { yp[o + k] = tp[src + k * lastS] }     // innermost axis in one run
            }
        }
    }
    return y
}
