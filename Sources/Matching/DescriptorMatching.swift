// Descriptor matching: nearest neighbour in Euclidean distance (paper Sect. 3.3,
// "matching between descriptors is performed using Euclidean distance"), with
// Lowe's optional ratio test (Lowe, IJCV 2004, Sect. 7.1: keep a match when
// d1 < ratio * d2, d1/d2 = distances to the nearest / second-nearest neighbour)
// and an optional mutual check (NearestNeighbours.swift).

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
        var squared = [Double](repeating: 0, count: nq * nt)
        query.withUnsafeBufferPointer { q in
            train.withUnsafeBufferPointer { t in
                for i in 0..<nq {
                    let qi = q.baseAddress! + i * dimension
                    for j in 0..<nt {
                        let tj = t.baseAddress! + j * dimension
                        var s: Float = 0
                        for d in 0..<dimension { let e = qi[d] - tj[d]; s += e * e }
                        squared[i * nt + j] = Double(s)
                    }
                }
            }
        }
        return NearestNeighbours.select(squared: squared, queries: nq, trains: nt, ratio: ratio, mutual: mutual)
            .map { FeatureMatch(query: $0.query, train: $0.train, distance: $0.squared.squareRoot()) }
    }
}
