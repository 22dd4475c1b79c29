// Descriptor matching: nearest neighbour in Euclidean distance (paper Sect. 3.3,
// "matching between descriptors is performed using Euclidean distance"), with
// Lowe's optional ratio test (Lowe, IJCV 2004, Sect. 7.1: keep a match when
// d1 < ratio * d2, d1/d2 = distances to the nearest / second-nearest neighbour)
// and an optional mutual check (NearestNeighbours.swift).
import Tensor

/// A correspondence between feature `query` of the first set and feature `train` of the second.
public struct FeatureMatch: Codable, Equatable, Sendable {
    /// Index in the query feature list.
    public var query: Int
    /// Index in the other image's feature list.
    public var train: Int
    /// Euclidean descriptor distance (SSD for Harris windows).
    public var distance: Double

    /// Creates a match.
    public init(query: Int, train: Int, distance: Double) {
        self.query = query; self.train = train; self.distance = distance
    }
}

/// Brute-force nearest-neighbour matching of flat descriptor arrays.
public enum DescriptorMatcher {
    /// Matches every query descriptor to its nearest train descriptor (Euclidean); with `ratio`, keeps
    /// only matches passing Lowe's ratio test; with `mutual`, only mutual nearest neighbours. Ties go to the lower index.
    public static func match(query: [Float], train: [Float], dimension: Int = SIFTFeatures.dimension,
                             ratio: Double? = nil, mutual: Bool = false) -> [FeatureMatch] {
        let nq = query.count / dimension, nt = train.count / dimension
        guard nq > 0, nt > 0 else { return [] }
        let squared = squaredDistances(query: query, train: train, dimension: dimension)
        return NearestNeighbours.select(squared: squared, queries: nq, trains: nt, ratio: ratio, mutual: mutual)
            .map { FeatureMatch(query: $0.query, train: $0.train, distance: $0.squared.squareRoot()) }
    }

    /// Row-major (nq, nt) squared distances: each the Float sum of (q[d] - t[d])² in d order, as
    /// `squaredDistance`, computed for 8 train rows at once from a dimension-major copy of each block
    /// of 8 (lane j sums exactly what the scalar loop sums), chunks of query rows shared by `Threading.count` threads.
    static func squaredDistances(query: [Float], train: [Float], dimension: Int) -> [Double] {
        let nq = query.count / dimension, nt = train.count / dimension
        let blocks = (nt + 7) / 8
        var packed = [SIMD8<Float>](repeating: SIMD8(), count: blocks * dimension)  // (block, dimension) x 8 lanes
        for j in 0..<nt { for d in 0..<dimension { packed[(j / 8) * dimension + d][j % 8] = train[j * dimension + d] } }
        var squared = [Double](repeating: 0, count: nq * nt)
        query.withUnsafeBufferPointer { q in
            packed.withUnsafeBufferPointer { t in
                squared.withUnsafeMutableBufferPointer { buffer in
                    let rows = buffer  // a copy the workers share: the inout parameter itself is not accessed from them
                    sharedChunks(nq, chunk: max(1, 4096 / max(nt, 1))) { range in
                        for i in range {
                            let qi = q.baseAddress! + i * dimension
                            for b in 0..<blocks {
                                let tb = t.baseAddress! + b * dimension
                                var s = SIMD8<Float>()
                                for d in 0..<dimension { let e = SIMD8(repeating: qi[d]) - tb[d]; s += e * e }
                                for l in 0..<min(8, nt - b * 8) { rows[i * nt + b * 8 + l] = Double(s[l]) }
                            }
                        }
                    }
                }
            }
        }
        return squared
    }

    /// Squared distance of query row i and train row j, summed in d order (the reference of `squaredDistances`).
    static func squaredDistance(query: [Float], _ i: Int, train: [Float], _ j: Int, dimension: Int) -> Float {
        var s: Float = 0
        for d in 0..<dimension { let e = query[i * dimension + d] - train[j * dimension + d]; s += e * e }
        return s
    }
}
