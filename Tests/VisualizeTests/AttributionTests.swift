import Foundation
import Graph
import Tensor
import TestSupport
import Visualize
import XCTest

/// Issue 18's attribution methods against TensorFlow (Fixtures/attribution, written by Fixtures/py/attribution.py
/// from the definitions): the trained demo model (Sequential), resnet_small (a DAG) and a channels-first
/// CNN through its image view. Deterministic methods within 1e-4 of the largest expected magnitude; SmoothGrad by
/// correlation.
final class AttributionTests: XCTestCase {
    private struct Case {
        let name: String
        let mapper: SaliencyMapper
        let image: Tensor
        let classIndex: Int
        let layer: String
        let json: JSON
        func expected(_ key: String) throws -> Tensor { try Fixture.npy("attribution/" + json["files"]![key]!.stringValue!) }
    }

    private static let settings = try! Fixture.json("attribution/cases.json")

    private func cases() throws -> [Case] {
        try Self.settings["cases"]!.arrayValue!.map { c in
            let graph = try Fixture.graph("attribution/" + c["model"]!.stringValue!).imageView()
            return Case(name: c["name"]!.stringValue!, mapper: try SaliencyMapper(graph: graph),
                        image: try Fixture.npy("attribution/" + c["input"]!.stringValue!), classIndex: c["class"]!.intValue!,
                        layer: c["layer"]!.stringValue!, json: c)
        }
    }

    private func assertClose(_ got: Tensor, _ want: Tensor, _ label: String, tolerance: Double = 1e-4,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(label): \(got.shape) vs \(want.shape)", file: file, line: line)
        guard got.count == want.count else { return }
        let e = Fixture.relativeError(got, want)
        XCTAssertLessThanOrEqual(e, tolerance, "\(label): relative error \(e)", file: file, line: line)
    }

    func testIntegratedGradientsMatchTensorFlow() throws {
        let steps = Self.settings["ig_steps"]!.intValue!
        for c in try cases() {
            let zeros = try c.mapper.integratedGradients(c.image, baseline: Tensor(zeros: c.image.shape), classIndex: c.classIndex, steps: steps)
            assertClose(zeros, try c.expected("ig_zeros"), "\(c.name) IG zeros")
            let uniform = try c.mapper.integratedGradients(c.image, baseline: try c.expected("ig_baseline"), classIndex: c.classIndex, steps: steps / 2)
            assertClose(uniform, try c.expected("ig_uniform"), "\(c.name) IG fixed uniform baseline")
            // Completeness, as a sanity check of the sum's orientation: Σ attribution ≈ logit(x) − logit(x₀).
            let z = try c.mapper.scores(c.image)[c.classIndex], z0 = try c.mapper.scores(Tensor(zeros: c.image.shape))[c.classIndex]
            XCTAssertEqual(zeros.sum(), Double(z - z0), accuracy: 0.25 * max(1, abs(Double(z - z0))), c.name)
        }
    }

    func testClassActivationMapsMatchTensorFlow() throws {
        for c in try cases() {
            let pp = try c.mapper.gradCAMPlusPlus(c.image, classIndex: c.classIndex, layer: c.layer)
            XCTAssertEqual(pp.layer, c.layer)
            assertClose(pp.map, try c.expected("gradcampp"), "\(c.name) Grad-CAM++")
            let score = try c.mapper.scoreCAM(c.image, classIndex: c.classIndex, layer: c.layer)
            assertClose(score.map, try c.expected("scorecam"), "\(c.name) Score-CAM")
            XCTAssertGreaterThan(score.map.max, 0, "\(c.name): an all-zero Score-CAM would compare trivially")
        }
    }

    func testOcclusionMatchesTensorFlow() throws {
        let o = Self.settings["occlusion"]!
        for c in try cases() {
            let probe = c.json["probe"]?.arrayValue.map { ($0[0].stringValue!, $0[1].intValue!) }
            let maps = try c.mapper.occlusion(c.image, patch: o["patch"]!.intValue!, stride: o["stride"]!.intValue!,
                                              fill: Float(o["fill"]!.doubleValue!), classIndex: c.classIndex, probe: probe)
            let want = try c.expected("occlusion_probability")
            XCTAssertEqual(maps.probability.shape, want.shape, c.name)
            assertClose(maps.probability, want, "\(c.name) occlusion")
            if probe != nil {
                assertClose(try XCTUnwrap(maps.activation), try c.expected("occlusion_activation"), "\(c.name) occlusion activation")
                XCTAssertEqual(try XCTUnwrap(maps.topClass).data, try c.expected("occlusion_top_class").data, c.name)
            }
        }
    }

    func testDeletionAndInsertionMatchTensorFlow() throws {
        let steps = Self.settings["curve_steps"]!.intValue!
        for c in try cases() {
            let rank = try c.expected("rank_map")
            for metric in FaithfulnessMetric.allCases where metric.isCurve {
                let curve = try c.mapper.faithfulness(c.image, map: rank.data, classIndex: c.classIndex, metric: metric, steps: steps)
                let want = try c.expected("\(metric.rawValue)_curve")
                assertClose(Tensor(shape: [steps + 1], data: curve.probabilities.map(Float.init)), want, "\(c.name) \(metric)")
                XCTAssertEqual(curve.area, c.json["curves"]![metric.rawValue]!.doubleValue!, accuracy: 1e-4, "\(c.name) \(metric) area")
            }
        }
    }

    func testFaithfulnessRankingAndRounding() {
        XCTAssertEqual(Faithfulness.ranking([1, 3, 3, 0, 3]), [1, 2, 4, 0, 3])
        XCTAssertEqual((0...4).map { Faithfulness.changed(step: $0, of: 4, pixels: 10) }, [0, 3, 5, 8, 10])   // 2.5 → 3, 7.5 → 8
        XCTAssertEqual(Faithfulness.area([1, 0]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(Faithfulness.area([1, 1, 0]), 0.75, accuracy: 1e-12)
    }

    /// SmoothGrad and VarGrad with our own noise against TensorFlow's with NumPy's, 64 samples each: the maps must
    /// correlate far better with TensorFlow's than the plain gradient does.
    func testSmoothGradCorrelatesWithTensorFlow() throws {
        let c = try cases().first { $0.name == "demo" }!
        let s = Self.settings["smoothgrad"]!
        let (samples, noise) = (s["samples"]!.intValue!, Float(s["noise"]!.doubleValue!))
        for (statistic, key) in [(SaliencyMapper.NoiseStatistic.mean, "smoothgrad"), (.variance, "vargrad")] {
            let got = try c.mapper.noisyGradients(c.image, classIndex: c.classIndex, samples: samples, noise: noise, seed: 1, statistic: statistic)
            let want = try c.expected(key)
            let r = Self.correlation(got.data, want.data)
            XCTAssertGreaterThan(r, 0.8, "\(key): correlation \(r) with TensorFlow's")
            let plain = try c.mapper.inputGradient(c.image, classIndex: c.classIndex, rule: .gradient)
            let baseline = Self.correlation(statistic == .mean ? plain.data : plain.data.map { $0 * $0 }, want.data)
            XCTAssertGreaterThan(r, baseline, "\(key): no closer to TensorFlow's than the plain gradient (\(baseline))")
        }
    }

    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            let (dx, dy) = (Double(x) - ma, Double(y) - mb)
            sab += dx * dy
            saa += dx * dx
            sbb += dy * dy
        }
        return sab / (saa * sbb).squareRoot()
    }
}
