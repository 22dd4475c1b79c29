import Graph
import Tensor

/// Keras weight constraints, applied to a variable after each optimizer update
/// (keras/src/optimizers/base_optimizer.py: `variable.assign(variable.constraint(variable))`).
///
/// Formulas from keras/src/constraints/constraints.py, with norms over `axes` (keepdims) and
/// ε = `backend.epsilon()` = 1e-7:
/// - MaxNorm:    w · clip(norm, 0, max) / (ε + norm)
/// - MinMaxNorm: w · (rate · clip(norm, min, max) + (1 − rate) · norm) / (ε + norm)
/// - UnitNorm:   w / (ε + norm)
/// - NonNeg:     max(w, 0)
public enum WeightConstraint: Equatable, Sendable {
    case maxNorm(maxValue: Float, axes: [Int])
    case minMaxNorm(minValue: Float, maxValue: Float, rate: Float, axes: [Int])
    case unitNorm(axes: [Int])
    case nonNeg

    static let epsilon: Float = 1e-7

    /// Parses a config value: Keras 3 `{"module": …, "class_name": "MaxNorm", "config": {…}}`,
    /// Keras 2 `{"class_name": "MaxNorm", "config": {…}}`, Keras 1 `{"name": "MaxNorm", "m": 3}`,
    /// or a bare name ("max_norm", "non_neg", "unit_norm", "min_max_norm") with Keras' defaults.
    /// Returns nil for null.
    public init?(config value: JSON?, layer: String) throws {
        guard let value, !value.isNull else { return nil }
        let name: String
        var cfg: JSON = [:]
        if let s = value.stringValue {
            name = s
        } else if let n = value["class_name"]?.stringValue ?? value["name"]?.stringValue {
            name = n
            cfg = value["config"] ?? value
        } else {
            throw LayerError(layer, "constraint \(value.serialized()) is not understood")
        }
        func number(_ keys: [String], _ fallback: Double) throws -> Float {
            for k in keys {
                if let v = cfg[k], !v.isNull {
                    guard let d = v.doubleValue else { throw LayerError(layer, "constraint '\(k)' must be a number") }
                    return Float(d)
                }
            }
            return Float(fallback)
        }
        func axes() throws -> [Int] {
            guard let v = cfg["axis"], !v.isNull else { return [0] }
            if let i = v.intValue { return [i] }
            if let a = v.arrayValue { return try a.map { guard let i = $0.intValue else { throw LayerError(layer, "constraint axis must hold integers") }; return i } }
            throw LayerError(layer, "constraint axis \(v.serialized()) is not understood")
        }
        switch name.lowercased().replacingOccurrences(of: "_", with: "") {
        case "maxnorm": self = .maxNorm(maxValue: try number(["max_value", "m"], 2), axes: try axes())
        case "minmaxnorm":
            self = .minMaxNorm(minValue: try number(["min_value", "low"], 0), maxValue: try number(["max_value", "high"], 1),
                               rate: try number(["rate"], 1), axes: try axes())
        case "unitnorm": self = .unitNorm(axes: try axes())
        case "nonneg": self = .nonNeg
        default: throw LayerError(layer, "constraint '\(name)' is not supported (MaxNorm, MinMaxNorm, UnitNorm, NonNeg)")
        }
    }

    /// The constraint a layer's config puts on its variable `variable` (`kernel_constraint` for
    /// "kernel", `bias_constraint`, `gamma_constraint`, `depthwise_constraint` for "depthwise_kernel" …).
    public static func forVariable(_ variable: String, of layer: any Layer) throws -> WeightConstraint? {
        var keys = ["\(variable)_constraint"]
        if variable.hasSuffix("_kernel") { keys.append(String(variable.dropLast("_kernel".count)) + "_constraint") }
        if variable == "kernel" { keys.append("W_constraint") }   // Keras 1 spelling
        if variable == "bias" { keys.append("b_constraint") }
        for k in keys { if let c = try WeightConstraint(config: layer.config[k], layer: layer.name) { return c } }
        return nil
    }

    /// Applies the constraint to `w` in place.
    public func apply(_ w: inout Tensor) {
        switch self {
        case .nonNeg:
            w.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = max(p[i], 0) } }
        case .maxNorm(let mx, let axes):
            rescale(&w, axes: axes) { n in min(max(n, 0), mx) / (Self.epsilon + n) }
        case .minMaxNorm(let lo, let hi, let rate, let axes):
            rescale(&w, axes: axes) { n in (rate * min(max(n, lo), hi) + (1 - rate) * n) / (Self.epsilon + n) }
        case .unitNorm(let axes):
            rescale(&w, axes: axes) { n in 1 / (Self.epsilon + n) }
        }
    }

    /// w ← w · factor(‖w‖) with the L2 norm taken over `axes` (negative axes count from the end).
    private func rescale(_ w: inout Tensor, axes: [Int], factor: (Float) -> Float) {
        let rank = w.rank
        let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        if reduced == Set(0..<reduced.count), reduced.count < rank {
            rescaleLeading(&w, groups: w.shape[reduced.count...].reduce(1, *), factor: factor)
            return
        }
        // Index of each element's norm group: its coordinates with the reduced axes dropped.
        var groupStride = [Int](repeating: 0, count: rank)
        var groups = 1
        for a in stride(from: rank - 1, through: 0, by: -1) where !reduced.contains(a) {
            groupStride[a] = groups
            groups *= w.shape[a]
        }
        var group = [Int](repeating: 0, count: w.count)
        var coord = [Int](repeating: 0, count: rank)
        for i in 0..<w.count {
            var g = 0
            for a in 0..<rank { g += coord[a] * groupStride[a] }
            group[i] = g
            var a = rank - 1
            while a >= 0 { coord[a] += 1; if coord[a] < w.shape[a] { break }; coord[a] = 0; a -= 1 }
        }
        var sq = [Float](repeating: 0, count: groups)
        for i in 0..<w.count { sq[group[i]] += w.data[i] * w.data[i] }
        let f = sq.map { factor($0.squareRoot()) }
        for i in 0..<w.count { w.data[i] *= f[group[i]] }
    }

    /// `rescale` when the reduced axes lead (Dense's and the convolutions' kernels with Keras' default axes): w is
    /// (rows, groups) and each group a column. The squares add row by row as in the general path (the same sums),
    /// over ranges of columns on the threads.
    private func rescaleLeading(_ w: inout Tensor, groups: Int, factor: (Float) -> Float) {
        let rows = w.count / max(groups, 1)
        var sq = [Float](repeating: 0, count: groups)
        w.data.withUnsafeMutableBufferPointer { wp in
            sq.withUnsafeMutableBufferPointer { sp in
                guard let wb = wp.baseAddress, let sb = sp.baseAddress else { return }
                // Ranges of columns on the threads (a row's columns are contiguous), when the kernel is big enough.
                let minimum = rows * groups >= 1 << 15 ? 0 : Int.max
                parallelRanges(groups, minimum: minimum) { cs in
                    for row in 0..<rows { let base = wb + row * groups; for j in cs { sb[j] += base[j] * base[j] } }
                }
                for j in 0..<groups { sb[j] = factor(sb[j].squareRoot()) }
                parallelRanges(groups, minimum: minimum) { cs in
                    for row in 0..<rows { let base = wb + row * groups; for j in cs { base[j] *= sb[j] } }
                }
            }
        }
    }
}
