/// Mean, standard deviation and median of a list of numbers, as every summary over rounds or
/// queries reports them (Table 3, Figure 6, the weight-change summary).
public enum Statistics {
    /// Arithmetic mean; 0 for an empty list.
    public static func mean(_ v: [Double]) -> Double {
        v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
    }

    /// Mean and population standard deviation (divided by n, as numpy's `std`); (0, 0) for an empty list.
    public static func meanAndStd(_ v: [Double]) -> (mean: Double, std: Double) {
        guard !v.isEmpty else { return (0, 0) }
        let m = mean(v)
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot())
    }

    /// Median (mean of the two middle values for an even count); 0 for an empty list.
    public static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
