// Selection of matches from a full query × train matrix of squared distances,
// shared by SIFT descriptors (squared Euclidean) and Harris windows (weighted SSD):
// each query's nearest train feature (ties → lower index); with `ratio`, kept only
// when d1 < ratio·d2 (Lowe; compared on squared distances as d1² < ratio²·d2², with
// d = √squared); with `mutual`, kept only when the query is also the nearest
// (ties → lower index) of its train feature — OpenCV's BFMatcher crossCheck.

/// Nearest-neighbour selection over a distance matrix.
enum NearestNeighbours {
    /// One selected pair: indices and the squared distance.
    struct Pair { var query: Int; var train: Int; var squared: Double }

    /// `squared` is row-major (nq, nt).
    static func select(squared: [Double], queries nq: Int, trains nt: Int, ratio: Double?, mutual: Bool) -> [Pair] {
        guard nq > 0, nt > 0 else { return [] }
        var bestQueryOfTrain = [Int](repeating: 0, count: nt)
        if mutual {
            var bestOfTrain = [Double](repeating: .infinity, count: nt)
            for i in 0..<nq {
                for j in 0..<nt where squared[i * nt + j] < bestOfTrain[j] {
                    bestOfTrain[j] = squared[i * nt + j]; bestQueryOfTrain[j] = i
                }
            }
        }
        var result: [Pair] = []
        result.reserveCapacity(nq)
        for i in 0..<nq {
            var best = Double.infinity, second = Double.infinity, bestIndex = 0
            for j in 0..<nt {
                let d = squared[i * nt + j]
                if d < best { second = best; best = d; bestIndex = j } else if d < second { second = d }
            }
            if let ratio, nt > 1, !(best < ratio * ratio * second) { continue }
            if mutual, bestQueryOfTrain[bestIndex] != i { continue }
            result.append(Pair(query: i, train: bestIndex, squared: best))
        }
        return result
    }
}
