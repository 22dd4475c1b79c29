import Tensor

/// How far one layer's variables moved from A (before) to B (after), all its variables taken
/// together: the measure of `convscope diff` and of the study's per-round weight change.
public struct WeightChange: Equatable, Sendable {
    /// Number of values compared.
    public var parameters: Int
    /// Σ a² over A's values.
    public var squaredNormA: Double
    /// Σ b² over B's values.
    public var squaredNormB: Double
    /// Σ a·b.
    public var dot: Double
    /// Σ (b − a)².
    public var squaredChange: Double
    /// max |b − a|.
    public var maxAbsChange: Double

    /// Compares `a` and `b` variable by variable (same order, same shapes), in float64.
    public init(a: [Tensor], b: [Tensor]) {
        var normA = 0.0, normB = 0.0, dot = 0.0, delta = 0.0, maxAbs = 0.0, n = 0
        for (va, vb) in zip(a, b) {
            va.data.withUnsafeBufferPointer { pa in
                vb.data.withUnsafeBufferPointer { pb in
                    for k in 0..<min(pa.count, pb.count) {
                        let x = Double(pa[k]), y = Double(pb[k])
                        normA += x * x
                        normB += y * y
                        dot += x * y
                        let d = y - x
                        delta += d * d
                        maxAbs = max(maxAbs, abs(d))
                    }
                }
            }
            n += va.count
        }
        parameters = n
        squaredNormA = normA
        squaredNormB = normB
        self.dot = dot
        squaredChange = delta
        maxAbsChange = maxAbs
    }

    /// ‖W_A‖.
    public var l2NormA: Double { squaredNormA.squareRoot() }
    /// ‖W_B − W_A‖.
    public var l2Change: Double { squaredChange.squareRoot() }
    /// ‖W_B − W_A‖ / ‖W_A‖; nil when ‖W_A‖ is 0 and the weights changed (0 when unchanged).
    public var relativeChange: Double? { Self.relative(change: l2Change, norm: l2NormA) }
    /// cos(W_A, W_B), clamped to [−1, 1]; nil when exactly one of them is all zeros (1 when both are).
    public var cosine: Double? {
        let na = l2NormA, nb = squaredNormB.squareRoot()
        if na > 0 && nb > 0 { return min(1, max(-1, dot / (na * nb))) }
        return na == 0 && nb == 0 ? 1 : nil
    }

    /// change / norm; nil when the norm is 0 and something changed (0 when nothing did).
    public static func relative(change: Double, norm: Double) -> Double? {
        norm > 0 ? change / norm : (change == 0 ? 0 : nil)
    }
}
