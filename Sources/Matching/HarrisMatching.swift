// Corner correspondence by Gaussian-weighted window SSD — the scikit-image
// example "Robust matching using RANSAC" (plot_matching.py, `match_corner`),
// as used by the paper for its Harris experiment: each query corner is paired
// with the corner of the other image whose (2·5+1)² = 11x11 window has the
// smallest sum of squared differences weighted by a Gaussian of sigma 3
// (weights exp(-(x²+y²)/(2σ²)) / (2πσ²)). Windows are taken on grey / 255;
// pixels outside the image count as 0 (zero padding), so border corners are kept.
import Foundation

/// Window-SSD corner matching.
public enum HarrisMatcher {
    /// Pairs every query corner with the other image's corner of minimum weighted SSD
    /// (ties go to the lower index); `distance` holds that SSD. With `ratio`, Lowe's test on √SSD;
    /// with `mutual`, only mutual nearest neighbours.
    public static func match(query: GreyImage, queryCorners: [HarrisCorner],
                             other: GreyImage, otherCorners: [HarrisCorner],
                             windowRadius: Int = 5, sigma: Double = 3,
                             ratio: Double? = nil, mutual: Bool = false) -> [FeatureMatch] {
        guard !queryCorners.isEmpty, !otherCorners.isEmpty else { return [] }
        let side = 2 * windowRadius + 1
        var weights = [Double](repeating: 0, count: side * side)
        for dy in -windowRadius...windowRadius {
            for dx in -windowRadius...windowRadius {
                weights[(dy + windowRadius) * side + dx + windowRadius] =
                    exp(-0.5 * Double(dx * dx + dy * dy) / (sigma * sigma)) / (2 * Double.pi * sigma * sigma)
            }
        }
        func windows(_ image: GreyImage, _ corners: [HarrisCorner]) -> [Double] {
            var out = [Double](repeating: 0, count: corners.count * side * side)
            for (n, c) in corners.enumerated() {
                for dy in -windowRadius...windowRadius {
                    let y = c.y + dy
                    guard y >= 0 && y < image.height else { continue }
                    for dx in -windowRadius...windowRadius {
                        let x = c.x + dx
                        guard x >= 0 && x < image.width else { continue }
                        out[n * side * side + (dy + windowRadius) * side + dx + windowRadius] = Double(image[y, x]) / 255
                    }
                }
            }
            return out
        }
        let qw = windows(query, queryCorners), ow = windows(other, otherCorners)
        let area = side * side, nq = queryCorners.count, nt = otherCorners.count
        var ssd = [Double](repeating: 0, count: nq * nt)
        qw.withUnsafeBufferPointer { q in
            ow.withUnsafeBufferPointer { o in
                weights.withUnsafeBufferPointer { g in
                    for i in 0..<nq {
                        for j in 0..<nt {
                            var s = 0.0
                            for t in 0..<area { let e = q[i * area + t] - o[j * area + t]; s += g[t] * e * e }
                            ssd[i * nt + j] = s
                        }
                    }
                }
            }
        }
        return NearestNeighbours.select(squared: ssd, queries: nq, trains: nt, ratio: ratio, mutual: mutual)
            .map { FeatureMatch(query: $0.query, train: $0.train, distance: $0.squared) }
    }
}
