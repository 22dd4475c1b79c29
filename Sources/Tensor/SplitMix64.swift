// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014; constants as in Vigna's reference splitmix64.c).
// The one SplitMix64 in the package: it seeds `SeededRandom` (xoshiro256**), its finaliser
// `mix` combines seeds (datasets, experiment rounds), and it drives every random choice in
// Matching (RANSAC samples, k-means++ seeding, synthetic scenes) so that a seed fully
// determines a result. Matching uses it directly rather than SeededRandom because
// Benchmarks/matching_bench.py reproduces these sequences bit for bit in Python to draw the
// same synthetic scenes.

/// A deterministic SplitMix64 generator: same seed, same sequence, on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The internal 64-bit state (advanced by the golden-ratio increment).
    public private(set) var state: UInt64

    /// Creates a generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The SplitMix64 output mixing function (a bijection on UInt64).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// Uniform double in [0, 1) from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift; bound must be > 0).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.nextInt: bound must be positive")
        let product = next().multipliedFullWidth(by: UInt64(bound))
        return Int(product.high)
    }
}
