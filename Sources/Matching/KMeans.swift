// k-means vocabulary for the bag of visual words — Lloyd's algorithm (Lloyd 1982)
// seeded by k-means++ (Arthur & Vassilvitskii, SODA 2007) drawn with
// `SplitMix64`, so a seed fixes the vocabulary. Stops when no assignment changes
// or after `maxIterations`; an empty cluster keeps its previous centre.

import Tensor

/// Deterministic k-means on flat row-major Float points.
public enum KMeans {
    /// Returns k centres (flat, k x dimension). With fewer distinct points than k,
    /// k-means++ repeats points, so some centres coincide.
    public static func fit(points: [Float], dimension: Int, k: Int, seed: UInt64 = 0,
                           maxIterations: Int = 100) -> [Float] {
        let n = points.count / dimension
        precondition(n > 0 && k > 0, "KMeans: need points and k > 0")
        var rng = SplitMix64(seed: seed)
        var centres = [Float](repeating: 0, count: k * dimension)
        func copyCentre(_ c: Int, from p: Int) {
            for d in 0..<dimension { centres[c * dimension + d] = points[p * dimension + d] }
        }
        // k-means++ seeding.
        copyCentre(0, from: rng.nextInt(below: n))
        var nearest = [Double](repeating: .infinity, count: n)
        for c in 1..<max(k, 1) {
            var total = 0.0
            for p in 0..<n {
                nearest[p] = min(nearest[p], squaredDistance(points, p, centres, c - 1, dimension))
                total += nearest[p]
            }
            var chosen = n - 1
            if total > 0 {
                var target = rng.nextUnit() * total
                for p in 0..<n { target -= nearest[p]; if target < 0 { chosen = p; break } }
            } else {
                chosen = rng.nextInt(below: n)
            }
            copyCentre(c, from: chosen)
        }
        // Lloyd iterations.
        var assignment = [Int](repeating: -1, count: n)
        for _ in 0..<maxIterations {
            if !assign(points, n, centres, k, dimension, into: &assignment) { break }
            var sums = [Double](repeating: 0, count: k * dimension)
            var counts = [Int](repeating: 0, count: k)
            for p in 0..<n {
                let a = assignment[p]
                counts[a] += 1
                for d in 0..<dimension { sums[a * dimension + d] += Double(points[p * dimension + d]) }
            }
            for c in 0..<k where counts[c] > 0 {
                for d in 0..<dimension { centres[c * dimension + d] = Float(sums[c * dimension + d] / Double(counts[c])) }
            }
        }
        return centres
    }

    /// Sets `assignment[p]` to the centre nearest to point p for all n points (as `nearestCentre`,
    /// the same sums in the same order, but all k centres at once from a dimension-major copy of
    /// the centres, chunks of 1024 points shared by `Threading.count` threads); true when any assignment changed.
    @discardableResult
    static func assign(_ points: [Float], _ n: Int, _ centres: [Float], _ k: Int, _ dimension: Int,
                       into assignment: inout [Int]) -> Bool {
        var transposed = [Double](repeating: 0, count: k * dimension)  // (dimension, k)
        for c in 0..<k { for d in 0..<dimension { transposed[d * k + c] = Double(centres[c * dimension + d]) } }
        let before = assignment
        points.withUnsafeBufferPointer { pp in
            transposed.withUnsafeBufferPointer { tp in
                assignment.withUnsafeMutableBufferPointer { buffer in
                    let out = buffer  // a copy the workers share: the inout parameter itself is not accessed from them
                    sharedChunks(n, chunk: 1024) { range in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { acc in
                            for p in range {
                                acc.initialize(repeating: 0)
                                let x = pp.baseAddress! + p * dimension
                                for d in 0..<dimension {
                                    let v = Double(x[d]), row = tp.baseAddress! + d * k
                                    for c in 0..<k { let e = v - row[c]; acc[c] += e * e }
                                }
                                var best = Double.infinity, bestIndex = 0
                                for c in 0..<k where acc[c] < best { best = acc[c]; bestIndex = c }
                                out[p] = bestIndex
                            }
                        }
                    }
                }
            }
        }
        return assignment != before
    }

    /// Index of the centre nearest to point p (Euclidean; ties go to the lower index).
    static func nearestCentre(_ points: [Float], _ p: Int, _ centres: [Float], _ k: Int, _ dimension: Int) -> Int {
        var best = Double.infinity, bestIndex = 0
        for c in 0..<k {
            let d = squaredDistance(points, p, centres, c, dimension)
            if d < best { best = d; bestIndex = c }
        }
        return bestIndex
    }

    /// Squared Euclidean distance between row p of `a` and row q of `b`, accumulated in Double.
    static func squaredDistance(_ a: [Float], _ p: Int, _ b: [Float], _ q: Int, _ dimension: Int) -> Double {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var s = 0.0
                let x = pa.baseAddress! + p * dimension, y = pb.baseAddress! + q * dimension
                for d in 0..<dimension { let e = Double(x[d]) - Double(y[d]); s += e * e }
                return s
            }
        }
    }
}
