// The default matching rule (mutual nearest neighbours + Lowe's ratio test, RANSAC refusing
// degenerate models) against the paper's (every nearest neighbour, any model) — issue 18.
// OpenCV's BFMatcher on the same descriptors is the reference (Fixtures/py/matchrule.py).
import Foundation
import XCTest
import TestSupport
@testable import Matching
import Tensor

final class MatchingRuleTests: XCTestCase {
    private func pairs(_ ms: [FeatureMatch]) -> [[Int]] { ms.map { [$0.query, $0.train] }.sorted { $0.lexicographicallyPrecedes($1) } }

    func testBFMatcherCrossCheckAndRatioAgreeWithOpenCV() throws {
        let q = try Fixture.npy("matchrule/query.npy"), t = try Fixture.npy("matchrule/train.npy")
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("matchrule/expected.json")))
        let e = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ratio = try XCTUnwrap(e["ratio_value"] as? Double)
        let dim = q.shape[1]
        let query = Array(q.data), train = Array(t.data)
        XCTAssertEqual(pairs(DescriptorMatcher.match(query: query, train: train, dimension: dim)), e["nearest"] as! [[Int]])
        XCTAssertEqual(pairs(DescriptorMatcher.match(query: query, train: train, dimension: dim, mutual: true)), e["cross_check"] as! [[Int]])
        XCTAssertEqual(pairs(DescriptorMatcher.match(query: query, train: train, dimension: dim, ratio: ratio)), e["ratio"] as! [[Int]])
        let both = Set((e["cross_check"] as! [[Int]])).intersection(Set(e["ratio"] as! [[Int]])).sorted { $0.lexicographicallyPrecedes($1) }
        XCTAssertEqual(pairs(DescriptorMatcher.match(query: query, train: train, dimension: dim, ratio: ratio, mutual: true)), both)
    }

    func testManyToOneMatchesDroppedByDefaultKeptWithPaper() {
        // Three queries all nearest to train 0; query 3 nearest to train 1; train 2 nobody's.
        let query: [Float] = [0, 0, 0.1, 0, 0, 0.2, 10, 10]
        let train: [Float] = [0, 0.05, 10, 10.1, -20, 40]
        let paper = DescriptorMatcher.match(query: query, train: train, dimension: 2)
        XCTAssertEqual(pairs(paper), [[0, 0], [1, 0], [2, 0], [3, 1]])
        let trusted = DescriptorMatcher.match(query: query, train: train, dimension: 2, ratio: MatchingRule.trusted.defaultRatio,
                                              mutual: MatchingRule.trusted.mutual)
        XCTAssertEqual(pairs(trusted), [[0, 0], [3, 1]])
        XCTAssertEqual(Set(trusted.map(\.train)).count, trusted.count, "no two kept matches share a target")

        // Harris: the same rule through matchQuery on a scene against itself and a shifted copy.
        let scene = SyntheticScene.image(seed: 7, width: 96, height: 96)
        for (rule, allowsManyToOne) in [(MatchingRule.trusted, false), (.paper, true)] {
            var o = MatchOptions(method: .harris, rule: rule)
            o.size = nil
            let r = matchQuery(query: scene, against: [(name: "self", image: scene)], options: o)
            XCTAssertEqual(r.matching, rule)
            let targets = r.images[0].matches.map { [$0.other.x, $0.other.y] }
            if !allowsManyToOne { XCTAssertEqual(Set(targets).count, targets.count, "trusted: one query per target") }
            XCTAssertGreaterThan(targets.count, 5)
        }
    }

    func testHarrisPaperRuleKeepsManyToOneOnARepetitiveImage() {
        // A periodic texture: many corners look alike, so nearest neighbours pile up.
        let w = 64
        var pixels = [Float](repeating: 0, count: w * w)
        for y in 0..<w { for x in 0..<w where (x / 4 + y / 4) % 2 == 0 { pixels[y * w + x] = 255 } }
        let grey = GreyImage(width: w, height: w, pixels: pixels)
        let corners = Harris.corners(grey, minDistance: 1, thresholdRelative: 0.001)
        let shifted = Array(corners.prefix(3))
        let paper = HarrisMatcher.match(query: grey, queryCorners: corners, other: grey, otherCorners: shifted)
        XCTAssertGreaterThan(paper.count, Set(paper.map(\.train)).count, "the paper's rule keeps many-to-one matches")
        let trusted = HarrisMatcher.match(query: grey, queryCorners: corners, other: grey, otherCorners: shifted, ratio: 0.8, mutual: true)
        XCTAssertEqual(trusted.count, Set(trusted.map(\.train)).count)
        XCTAssertLessThan(trusted.count, paper.count)
    }

    func testRANSACRefusesDegenerateSamplesAndModels() {
        // Every source point matched to one target point (Z&F Fig. 7's collapse).
        func grid(_ i: Int) -> Point2 { Point2(x: Double(10 + 7 * (i % 4)), y: Double(20 + 9 * (i / 4))) }
        let collapsed = (0..<12).map { i -> Correspondence in Correspondence(source: grid(i), target: Point2(x: 50, y: 60)) }
        XCTAssertTrue(AffineModel.lacksDistinctPoints(Array(collapsed.prefix(3))))
        let paper = RANSAC.fit(AffineModel.self, to: collapsed, options: RANSACOptions(residualThreshold: 2, refuseDegenerate: false))
        XCTAssertNotNil(paper.model, "the paper's RANSAC accepts the collapsed affine map")
        XCTAssertEqual(paper.inlierCount, 12)
        XCTAssertEqual(paper.model!.areaScale(at: Point2(x: 20, y: 30)), 0, accuracy: 1e-9)
        let trusted = RANSAC.fit(AffineModel.self, to: collapsed, options: RANSACOptions(residualThreshold: 2))
        XCTAssertNil(trusted.model)
        XCTAssertEqual(trusted.inlierCount, 0)

        // Distinct targets on one line: the sample has enough points but the model's determinant collapses.
        let line = (0..<12).map { i -> Correspondence in
            let p = grid(i)
            return Correspondence(source: p, target: Point2(x: p.x + 1e-4 * Double(i / 4), y: 5))
        }
        XCTAssertFalse(AffineModel.lacksDistinctPoints(Array(line.prefix(3))))
        let flat = AffineModel.estimate(from: line)!
        XCTAssertTrue(flat.isDegenerate(on: line, minAreaScale: 0.01))
        XCTAssertNil(RANSAC.fit(AffineModel.self, to: line, options: RANSACOptions(residualThreshold: 2)).model)
        XCTAssertNotNil(RANSAC.fit(AffineModel.self, to: line, options: RANSACOptions(residualThreshold: 2, refuseDegenerate: false)).model)

        // A proper affine map is kept by both rules.
        let good = AffineModel(matrix: [1.1, 0.1, 3, -0.05, 0.9, -2])
        let cs = collapsed.map { Correspondence(source: $0.source, target: good.apply($0.source)) }
        XCTAssertFalse(good.isDegenerate(on: cs, minAreaScale: 0.01))
        XCTAssertEqual(RANSAC.fit(AffineModel.self, to: cs, options: RANSACOptions(residualThreshold: 2)).inlierCount, 12)
        // A sample of fewer distinct points than the minimal sample, for the homography too.
        let dup = [cs[0], cs[0], cs[1], cs[2]]
        XCTAssertTrue(HomographyModel.lacksDistinctPoints(dup))
        XCTAssertFalse(HomographyModel.lacksDistinctPoints(Array(cs.prefix(4))))
    }
}
