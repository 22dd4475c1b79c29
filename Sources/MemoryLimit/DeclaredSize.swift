/// Arithmetic on sizes read from untrusted files: nil instead of an overflow trap.
public enum DeclaredSize {
    /// The product of `factors`, nil if it overflows `Int` or a factor is negative.
    public static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            result = p
        }
        return result
    }

    /// The sum of `terms`, nil if any term is nil or the sum overflows `Int`.
    public static func sum(_ terms: [Int?]) -> Int? {
        var result = 0
        for t in terms {
            guard let t else { return nil }
            let (s, overflow) = result.addingReportingOverflow(t)
            if overflow { return nil }
            result = s
        }
        return result
    }
}
