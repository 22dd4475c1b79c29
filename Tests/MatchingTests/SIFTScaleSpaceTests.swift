// SIFTScaleSpace builds VLFeat's Gaussian scale space itself (vectorised along rows);
// these tests pin that every keypoint and descriptor stays bit-identical to VLFeat's
// own vl_sift_process_first_octave / vl_sift_process_next_octave, and that the
// threaded batch extraction returns the same features in input order.
import XCTest
import Imaging
@testable import Matching
import Tensor

final class SIFTScaleSpaceTests: XCTestCase {
    /// Scenes of several shapes (odd sizes exercise the edge replication and the subsampling).
    private func images() -> [GreyImage] {
        [GreyImage(SyntheticScene.image(seed: 1)),
         GreyImage(SyntheticScene.image(seed: 5, width: 101, height: 77)),
         GreyImage(SyntheticScene.image(seed: 9, width: 64, height: 150))]
    }

    private func assertIdentical(_ a: SIFTFeatures, _ b: SIFTFeatures, _ what: String) {
        XCTAssertGreaterThan(a.count, 10, "\(what): the scene has keypoints")
        XCTAssertEqual(a.count, b.count, "\(what): keypoint count")
        XCTAssertTrue(a.keypoints == b.keypoints, "\(what): keypoints")
        XCTAssertTrue(a.descriptors.elementsEqual(b.descriptors) { $0.bitPattern == $1.bitPattern }, "\(what): descriptors")
    }

    func testRowsScaleSpaceGivesVLFeatsFeaturesBitForBit() {
        var upsampleOff = SIFTParameters()
        upsampleOff.firstOctave = 0
        var moreLevels = SIFTParameters()
        moreLevels.levels = 4
        for (name, parameters) in [("default", SIFTParameters()), ("first octave 0", upsampleOff), ("4 levels", moreLevels)] {
            for (i, grey) in images().enumerated() {
                let reference = SIFT.extract(grey, parameters: parameters, scaleSpace: .vlfeat)
                let ours = SIFT.extract(grey, parameters: parameters, scaleSpace: .rows)
                assertIdentical(ours, reference, "\(name), image \(i)")
            }
        }
    }

    func testThreadedBatchKeepsOrderAndValues() {
        let (b, c) = (images()[1], images()[2])
        let greys = [b, b, c, c, b]  // each thread reuses its filter for a repeated size, then a new size
        Threading.set(2)
        let batch = SIFT.extract(greys)
        XCTAssertEqual(batch.count, greys.count)
        for (i, grey) in greys.enumerated() { assertIdentical(batch[i], SIFT.extract(grey), "image \(i)") }
    }
}
