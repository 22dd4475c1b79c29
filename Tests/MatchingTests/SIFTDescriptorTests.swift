// SIFTGradient / SIFTOrientation / SIFTDescriptor recompute VLFeat's keypoint orientations and
// descriptors with the same arithmetic; these tests pin that every orientation and every descriptor
// equals VLFeat's own (vl_sift_calc_keypoint_orientations / vl_sift_calc_keypoint_descriptor) bit for
// bit, on synthetic scenes of several shapes, a real photograph and several parameter sets.
import XCTest
import Foundation
import Imaging
@testable import Matching

final class SIFTDescriptorTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func images() throws -> [(String, GreyImage)] {
        let cat = try ImageFile.load(Self.root.appendingPathComponent("Fixtures/demo/cat224.jpg").path)
        return [("scene 1", GreyImage(SyntheticScene.image(seed: 1))),
                ("scene 5, 101x77", GreyImage(SyntheticScene.image(seed: 5, width: 101, height: 77))),
                ("scene 9, 64x150", GreyImage(SyntheticScene.image(seed: 9, width: 64, height: 150))),
                ("cat224.jpg", GreyImage(cat, size: nil))]
    }

    private func parameterSets() -> [(String, SIFTParameters)] {
        var firstOctave0 = SIFTParameters()
        firstOctave0.firstOctave = 0
        var fourLevels = SIFTParameters()
        fourLevels.levels = 4
        var window = SIFTParameters()
        window.magnification = 4.5
        window.windowSize = 1.5
        window.peakThreshold = 0.005
        return [("default", SIFTParameters()), ("first octave 0", firstOctave0), ("4 levels", fourLevels),
                ("magnification 4.5, window 1.5, peak 0.005", window)]
    }

    func testOrientationsAndDescriptorsEqualVLFeatsBitForBit() throws {
        let images = try images(), sets = parameterSets()
        // Defaults on every image; each other parameter set on one image (their pairs cover every branch).
        let pairs = images.map { ($0, sets[0]) } + sets.dropFirst().enumerated().map { (images[($0.offset + 1) % images.count], $0.element) }
        for ((imageName, grey), (name, parameters)) in pairs {
            do {
                let what = "\(imageName), \(name)"
                let reference = SIFT.extract(grey, parameters: parameters, scaleSpace: .rows, frames: .vlfeat)
                let ours = SIFT.extract(grey, parameters: parameters, scaleSpace: .rows, frames: .planes)
                XCTAssertGreaterThan(reference.count, 10, "\(what): the image has keypoints")
                XCTAssertEqual(ours.count, reference.count, "\(what): orientation count")
                guard ours.count == reference.count else { continue }
                let angleMismatches = zip(ours.keypoints, reference.keypoints).filter {
                    $0.orientation.bitPattern != $1.orientation.bitPattern || $0 != $1
                }.count
                XCTAssertEqual(angleMismatches, 0, "\(what): keypoints and orientations")
                let dim = SIFTFeatures.dimension
                var descriptorMismatches = 0
                for k in 0..<ours.count {
                    let a = ours.descriptors[(k * dim)..<((k + 1) * dim)], b = reference.descriptors[(k * dim)..<((k + 1) * dim)]
                    if !a.elementsEqual(b, by: { $0.bitPattern == $1.bitPattern }) { descriptorMismatches += 1 }
                }
                XCTAssertEqual(descriptorMismatches, 0, "\(what): descriptors")
            }
        }
    }

    func testVectorisedGradientEqualsScalarFormulas() {
        // Lanes against the scalar transcription of VLFeat's per-pixel formulas, over signs, zeros and tiny values.
        let values: [Float] = [0, -0.0, 1e-5, -1e-5, 3e-9, 0.25, -0.25, 0.5, -0.7, 1, -1, 0.013, -0.0042, 2.5e-4]
        var gx: [Float] = [], gy: [Float] = []
        for a in values { for b in values { gx.append(a); gy.append(b) } }
        var modulus = [Float](repeating: 0, count: gx.count), angle = [Float](repeating: 0, count: gx.count)
        SIFTGradient.polar(gx: gx, gy: gy, count: gx.count, modulus: &modulus, angle: &angle)
        for i in gx.indices {
            let (m, t) = Self.scalarPolar(gx[i], gy[i])
            XCTAssertEqual(modulus[i].bitPattern, m.bitPattern, "modulus of (\(gx[i]), \(gy[i]))")
            XCTAssertEqual(angle[i].bitPattern, t.bitPattern, "angle of (\(gx[i]), \(gy[i]))")
        }
    }

    /// vl_fast_sqrt_f(gx² + gy²) and vl_mod_2pi_f(vl_fast_atan2_f(gy, gx) + 2π), one pixel, as mathop.h.
    private static func scalarPolar(_ gx: Float, _ gy: Float) -> (Float, Float) {
        let x = gx * gx + gy * gy
        var m: Float = 0
        if !(Double(x) < 1e-8) {
            let xhalf: Float = 0.5 * x
            var y = Float(bitPattern: 0x5f37_59df &- (x.bitPattern >> 1))
            y = y * (1.5 - xhalf * y * y)
            y = y * (1.5 - xhalf * y * y)
            m = x * y
        }
        let absY = abs(gy) + Float(1.19209290e-07)
        var angle: Float, r: Float
        if gx >= 0 { r = (gx - absY) / (gx + absY); angle = Float(Double.pi / 4) }
        else { r = (gx + absY) / (absY - gx); angle = Float(3 * Double.pi / 4) }
        angle += (0.1821 * r * r - 0.9675) * r
        if gy < 0 { angle = -angle }
        var t = Float(Double(angle) + 2 * Double.pi)
        let twoPi = Float(2 * Double.pi)
        while t > twoPi { t -= twoPi }
        while t < 0 { t += twoPi }
        return (m, t)
    }
}
