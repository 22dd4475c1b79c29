// The vectorised, threaded distance kernels of matching and k-means against their
// scalar references (same sums in the same order, so equal bit for bit), on SIFT
// descriptors of real scenes and on sizes that leave partial blocks.
import XCTest
import Imaging
@testable import Matching

final class MatchingKernelsTests: XCTestCase {
    private let a = SIFT.extract(GreyImage(SyntheticScene.image(seed: 1))).descriptors
    private let b = SIFT.extract(GreyImage(SyntheticScene.image(seed: 2))).descriptors

    func testBlockedDistancesEqualScalarSums() {
        let dim = SIFTFeatures.dimension
        for (q, t) in [(a, b), (Array(a.prefix(3 * dim)), Array(b.prefix(13 * dim)))] {
            let nq = q.count / dim, nt = t.count / dim
            let got = DescriptorMatcher.squaredDistances(query: q, train: t, dimension: dim)
            XCTAssertEqual(got.count, nq * nt)
            var mismatches = 0
            for i in 0..<nq { for j in 0..<nt where got[i * nt + j] != Double(DescriptorMatcher.squaredDistance(query: q, i, train: t, j, dimension: dim)) { mismatches += 1 } }
            XCTAssertEqual(mismatches, 0, "\(nq)x\(nt)")
        }
    }

    func testBatchedAssignmentEqualsNearestCentre() {
        let dim = SIFTFeatures.dimension, n = a.count / dim
        let points = [[Float]](repeating: a, count: 16).flatMap { $0 }  // enough rows for the threaded path
        let centres = KMeans.fit(points: a, dimension: dim, k: 10, seed: 3)
        var assignment = [Int](repeating: -1, count: points.count / dim)
        XCTAssertTrue(KMeans.assign(points, assignment.count, centres, 10, dim, into: &assignment))
        XCTAssertGreaterThan(assignment.count, 2048)
        for p in 0..<n { XCTAssertEqual(assignment[p], KMeans.nearestCentre(points, p, centres, 10, dim), "point \(p)") }
        XCTAssertEqual(Array(assignment[0..<n]), Array(assignment[(15 * n)..<(16 * n)]))
        XCTAssertFalse(KMeans.assign(points, assignment.count, centres, 10, dim, into: &assignment), "nothing changes")
    }
}
