// `maximize --method fourier` (issue 18): the parameterisation's transform and gradient in float64
// (finite differences), the robustness warp's adjoint, and the ascent on a small model.
import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
@testable import Visualize
import XCTest

final class FourierMaximizationTests: XCTestCase {
    /// One coefficient at (ky, kx) gives scale·m·(a cos θ − b sin θ)/(H·W): numpy's irfft2 written out.
    func testSpatialIsNumpyIrfft2OfTheScaledSpectrum() {
        for (h, w) in [(6, 8), (5, 7)] {
            var f = FourierImage(height: h, width: w, seed: 1)
            let wf = w / 2 + 1
            for (ky, kx, part) in [(0, 0, 0), (2, 1, 0), (1, 3, 1), (h - 1, wf - 1, 0)] {
                f.spectrum = [Double](repeating: 0, count: f.spectrum.count)
                f.spectrum[((part * 3 + 1) * h + ky) * wf + kx] = 1                  // channel 1
                let t = f.spatial()
                let m: Double = kx == 0 || (w % 2 == 0 && kx == w / 2) ? 1 : 2
                for y in 0..<h {
                    for x in 0..<w {
                        let th = 2 * Double.pi * (Double(ky * y) / Double(h) + Double(kx * x) / Double(w))
                        let expected = f.scale[ky * wf + kx] * m * (part == 0 ? cos(th) : -sin(th)) / Double(h * w)
                        XCTAssertEqual(t[(h + y) * w + x], expected, accuracy: 1e-12)
                        XCTAssertEqual(t[y * w + x], 0, accuracy: 1e-15)
                    }
                }
            }
        }
        // The scale: √(HW)/4 / max(|f|, 1/max(H, W)); the DC term takes the floor.
        let f = FourierImage(height: 8, width: 6, seed: 0)
        XCTAssertEqual(f.scale[0], (48.0).squareRoot() / 4 * 8, accuracy: 1e-12)
        XCTAssertEqual(f.scale[1 * 4 + 2], (48.0).squareRoot() / 4 / (1.0 / 64 + 4.0 / 36).squareRoot(), accuracy: 1e-12)
        // Lucid's normalised colour matrix: its largest column norm is 1, and it is the SVD square root scaled.
        let cn = FourierImage.colorMatrix, raw = FourierImage.colorCorrelationSVDSqrt
        let norms = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + cn[$1][j] * cn[$1][j] }.squareRoot() }
        XCTAssertEqual(norms.max()!, 1, accuracy: 1e-12)
        XCTAssertEqual(cn[0][0] / raw[0][0], cn[2][1] / raw[2][1], accuracy: 1e-12)
    }

    /// L = Σ r ⊙ warp(rgb(spectrum)): the analytic gradient (rgbAdjoint ∘ warp.adjoint) against central differences,
    /// at one size and from a rendered image to a larger input (zoom < 1, as `maximize` does).
    func testParameterisationGradientByFiniteDifferences() {
        for (h, w, oh, ow, zoom) in [(6, 8, 6, 8, 1.0), (7, 5, 7, 5, 1.0), (6, 8, 9, 11, 0.8)] {
            var f = FourierImage(height: h, width: w, seed: 3, sd: 0.3)
            let warp = RobustnessWarp(scale: 1.04, degrees: 7, dy: 1, dx: -1, zoom: zoom)
            var rng = SeededRandom(seed: 9)
            let r = (0..<(oh * ow * 3)).map { _ in Double(rng.normal()) }
            func loss(_ g: FourierImage) -> Double {
                zip(warp.apply(g.rgb(), from: (h, w), to: (oh, ow), channels: 3), r).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let rgb = f.rgb()
            let analytic = f.rgbAdjoint(warp.adjoint(r, from: (h, w), to: (oh, ow), channels: 3), rgb: rgb)
            var worst = 0.0
            let base = f.spectrum
            for i in base.indices {
                let e = 1e-6
                f.spectrum = base; f.spectrum[i] += e
                let lp = loss(f)
                f.spectrum = base; f.spectrum[i] -= e
                let lm = loss(f)
                let fd = (lp - lm) / (2 * e)
                worst = max(worst, abs(fd - analytic[i]) / max(1e-3, abs(fd)))
            }
            f.spectrum = base
            XCTAssertLessThan(worst, 1e-5, "\(h)x\(w) → \(oh)x\(ow): worst relative error \(worst)")
            XCTAssertGreaterThan(analytic.map(abs).max()!, 1e-3, "the check must see non-zero gradients")
        }
    }

    /// From a rendered (Hs, Ws) image to a larger input: at zoom Hs/H with scale 1, no turn and no jitter the warp is
    /// the half-pixel bilinear resize (q + ½ = (p + ½)·z, exact on a ramp); its adjoint is its transpose; Lucid's framing
    /// (the render plus 12 px of margin across the input) and the render size (128 on the longer side, never above the input).
    func testRobustnessWarpBetweenSizes() {
        let (sh, sw, h, w) = (11, 21, 22, 42)
        var ramp = [Double](repeating: 0, count: sh * sw * 2)
        for y in 0..<sh { for x in 0..<sw { ramp[(y * sw + x) * 2] = Double(y); ramp[(y * sw + x) * 2 + 1] = Double(x) } }
        let up = RobustnessWarp(scale: 1, degrees: 0, dy: 0, dx: 0, zoom: 0.5).apply(ramp, from: (sh, sw), to: (h, w), channels: 2)
        XCTAssertEqual(up.count, h * w * 2)
        for y in 1..<(h - 1) { for x in 1..<(w - 1) {
            XCTAssertEqual(up[(y * w + x) * 2], (Double(y) + 0.5) * 0.5 - 0.5, accuracy: 1e-9)
            XCTAssertEqual(up[(y * w + x) * 2 + 1], (Double(x) + 0.5) * 0.5 - 0.5, accuracy: 1e-9)
        } }
        XCTAssertEqual(up[0], 0.5 * (1 - 0.75 * 0.75), accuracy: 1e-9, "the corner blends in the grey pad")
        var rng = SeededRandom(seed: 11)
        let img = (0..<(5 * 7 * 2)).map { _ in Double(rng.uniform()) }
        let g = (0..<(9 * 12 * 2)).map { _ in Double(rng.normal()) }
        let warp = RobustnessWarp(scale: 1.06, degrees: -9, dy: 1, dx: -2, zoom: 0.7)
        let pad = warp.apply([Double](repeating: 0, count: img.count), from: (5, 7), to: (9, 12), channels: 2)
        let lhs = zip(zip(warp.apply(img, from: (5, 7), to: (9, 12), channels: 2), pad).map { $0 - $1 }, g).reduce(0) { $0 + $1.0 * $1.1 }
        let rhs = zip(img, warp.adjoint(g, from: (5, 7), to: (9, 12), channels: 2)).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12)
        XCTAssertGreaterThan(abs(lhs), 1e-3)
        XCTAssertEqual(RobustnessWarp.lucidZoom(rendered: (128, 128), input: (224, 224)), 140.0 / 224, accuracy: 1e-15)
        XCTAssertTrue(ActivationMaximizer.renderSize(128, input: 224, 224) == (128, 128))
        XCTAssertTrue(ActivationMaximizer.renderSize(128, input: 32, 32) == (32, 32))
        XCTAssertTrue(ActivationMaximizer.renderSize(128, input: 300, 200) == (128, 85))
        XCTAssertTrue(ActivationMaximizer.renderSize(224, input: 224, 224) == (224, 224))
    }

    /// Adam as Lucid's (TensorFlow's): the variable after each step against keras.optimizers.Adam(0.05) on float64
    /// (Fixtures/py/fourier.py), with gradients down to 1e−9, where ε on √v (TensorFlow) and on √v̂ (the paper) differ.
    func testAdamMatchesTensorFlow() throws {
        let theta0 = try Fixture.npy("fourier/adam_theta0.npy"), grads = try Fixture.npy("fourier/adam_grads.npy")
        let want = try Fixture.npy("fourier/adam_thetas.npy")
        let n = theta0.count
        var theta = theta0.data.map(Double.init)
        var adam = AdamAscent(count: n, learningRate: 0.05)
        for t in 0..<grads.shape[0] {
            adam.ascend(&theta, gradient: (0..<n).map { Double(grads.data[t * n + $0]) })
            // 1e-5: Keras rounds β1, β2 to float32 (≈ 2e-7 a step here); ε on √v̂ instead would be off by 1e-4 to 4e-3.
            for i in 0..<n { XCTAssertEqual(theta[i], Double(want.data[t * n + i]), accuracy: 1e-5, "step \(t) parameter \(i)") }
        }
        XCTAssertGreaterThan(abs(theta[4] - Double(theta0.data[4])), 1e-4, "the smallest gradient must still move the check")
    }

    /// The warp: identity when scale 1, angle 0, no jitter; an integer jitter shifts and pads with 0.5; adjoint = transpose.
    func testRobustnessWarpAndItsAdjoint() {
        let (h, w) = (5, 6)
        var rng = SeededRandom(seed: 4)
        let img = (0..<(h * w * 2)).map { _ in Double(rng.uniform()) }
        XCTAssertEqual(RobustnessWarp(scale: 1, degrees: 0, dy: 0, dx: 0).apply(img, height: h, width: w, channels: 2), img)
        let shifted = RobustnessWarp(scale: 1, degrees: 0, dy: 1, dx: 0).apply(img, height: h, width: w, channels: 2)
        XCTAssertEqual(shifted[0], img[w * 2], accuracy: 1e-12)
        XCTAssertEqual(shifted[(h - 1) * w * 2], 0.5, accuracy: 1e-12)
        let warp = RobustnessWarp(scale: 0.92, degrees: -9, dy: -2, dx: 1)
        let g = (0..<img.count).map { _ in Double(rng.normal()) }
        let zeroPad = warp.apply(img, height: h, width: w, channels: 2).enumerated().map { $1 - warp.apply([Double](repeating: 0, count: img.count), height: h, width: w, channels: 2)[$0] }
        let lhs = zip(zeroPad, g).reduce(0) { $0 + $1.0 * $1.1 }
        let rhs = zip(img, warp.adjoint(g, height: h, width: w, channels: 2)).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12)
    }

    /// On conv_small (32x32 RGB) the objective rises, the run is seeded, and the result is a valid image.
    func testFourierAscentRaisesTheObjectiveDeterministically() throws {
        let graph = try Fixture.graph("models/conv_small.keras3.h5")
        let m = try ActivationMaximizer(graph: graph, target: .channel(layer: "conv4", channel: 5))
        var s = MaximizationSettings.fourier
        s.steps = 40
        s.jitter = 2
        s.seed = 7
        let a = try m.runFourier(settings: s, mode: .caffe)
        let v = a.steps.map(\.objective)
        let first = v.prefix(5).reduce(0, +) / 5, last = v.suffix(5).reduce(0, +) / 5
        XCTAssertGreaterThan(last, first + 0.1 * abs(first) + 1e-3, "objective \(v)")
        XCTAssertEqual(a.image.shape, [1, 32, 32, 3])
        let picture = Preprocessing.caffe.image(from: a.image)
        XCTAssertTrue(picture.pixels.allSatisfy { $0 > -0.01 && $0 < 255.01 }, "sigmoid keeps pixels in (0, 255)")
        s.steps = 3
        XCTAssertEqual(try m.runFourier(settings: s, mode: .caffe).image, try m.runFourier(settings: s, mode: .caffe).image)
        // Rendered smaller than the input: the result is resized to the model's input and stays a valid image.
        s.renderSize = 16
        let small = try m.runFourier(settings: s, mode: .caffe).image
        XCTAssertEqual(small.shape, [1, 32, 32, 3])
        XCTAssertTrue(Preprocessing.caffe.image(from: small).pixels.allSatisfy { $0 > -0.01 && $0 < 255.01 })
        s.renderSize = 128
        s.seed = 8
        XCTAssertNotEqual(try m.runFourier(settings: s, mode: .caffe).image, try m.runFourier(settings: MaximizationSettings.fourier, mode: .caffe).image)
        // The pixel affine of each mode reproduces the mode.
        for mode in [Preprocessing.caffe, .tf, .torch, .scale, .none] {
            let p = try XCTUnwrap(PixelAffine(mode))
            let px: [Double] = [10, 200, 90, 0, 255, 30]
            let expected = mode.tensor(from: [Image(width: 2, height: 1, channels: 3, pixels: px.map(Float.init))])
            XCTAssertLessThan(Fixture.maxAbsDiff(p.apply(px, height: 1, width: 2), expected), 1e-4, "\(mode)")
        }
    }

    /// The whole parameterisation (scaled spectrum → irfft2 / 4 → decorrelated colour → sigmoid) against Lucid's
    /// formula run by TensorFlow in float64 (Fixtures/py/fourier.py), for an even and an odd width.
    func testParameterisationMatchesLucidInTensorFlow() throws {
        let e = try Fixture.json("fourier/expected.json")
        for (key, (h, w)) in [("6x8", (6, 8)), ("5x7", (5, 7))] {
            let files = try XCTUnwrap(e["sizes"]?[key])
            let param = try Fixture.npy("fourier/" + XCTUnwrap(files["param"]?.stringValue))
            let rgb = try Fixture.npy("fourier/" + XCTUnwrap(files["rgb"]?.stringValue))
            var f = FourierImage(height: h, width: w, seed: 0)
            XCTAssertEqual(param.shape, [2, 3, h, w / 2 + 1])
            f.spectrum = param.data.map(Double.init)
            let ours = f.rgb()
            XCTAssertEqual(ours.count, rgb.count)
            let worst = zip(ours, rgb.data).map { abs($0 - Double($1)) }.max()!
            XCTAssertLessThan(worst, 1e-6, key)
            XCTAssertGreaterThan(rgb.data.map { abs($0 - 0.5) }.max()!, 0.1, "the reference must not be flat grey")
        }
    }

    /// Colour decorrelation round trip: Cn·Cn⁻¹ = I, and undoing the sigmoid and Cn of rgb() gives spatial() back.
    func testColorDecorrelationRoundTrip() {
        let m = FourierImage.colorMatrix
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        XCTAssertGreaterThan(abs(det), 1e-3)
        let inv: [[Double]] = (0..<3).map { i in (0..<3).map { j in        // adjugate / det
            let r = [0, 1, 2].filter { $0 != j }, c = [0, 1, 2].filter { $0 != i }
            let minor = m[r[0]][c[0]] * m[r[1]][c[1]] - m[r[0]][c[1]] * m[r[1]][c[0]]
            return ((i + j) % 2 == 0 ? 1 : -1) * minor / det
        } }
        for i in 0..<3 { for j in 0..<3 {
            XCTAssertEqual((0..<3).reduce(0.0) { $0 + m[i][$1] * inv[$1][j] }, i == j ? 1 : 0, accuracy: 1e-12)
        } }
        let f = FourierImage(height: 4, width: 6, seed: 2, sd: 0.2)
        let t = f.spatial(), rgb = f.rgb(), hw = 24
        for p in 0..<hw {
            let lin = (0..<3).map { i in log(rgb[p * 3 + i] / (1 - rgb[p * 3 + i])) }
            for j in 0..<3 { XCTAssertEqual((0..<3).reduce(0.0) { $0 + inv[j][$1] * lin[$1] }, t[j * hw + p], accuracy: 1e-9) }
        }
    }

    /// The warp's geometry: on a ramp image (channel 0 = y, channel 1 = x; bilinear sampling is exact on it) output
    /// pixel p reads q = c + R(−θ)(p − c)/s + d, so content at distance r from the centre appears at distance s·r,
    /// turned by θ (from +x towards +y, y down) and shifted by −s·R(θ)d.
    func testRobustnessWarpGeometry() {
        let (h, w) = (41, 41)
        var ramp = [Double](repeating: 0, count: h * w * 2)
        for y in 0..<h { for x in 0..<w { ramp[(y * w + x) * 2] = Double(y); ramp[(y * w + x) * 2 + 1] = Double(x) } }
        let warp = RobustnessWarp(scale: 1.1, degrees: 90, dy: 2, dx: -3)
        let out = warp.apply(ramp, height: h, width: w, channels: 2)
        func read(_ y: Int, _ x: Int) -> (y: Double, x: Double) { (out[(y * w + x) * 2], out[(y * w + x) * 2 + 1]) }
        // The centre reads the centre shifted by d.
        XCTAssertEqual(read(20, 20).y, 22, accuracy: 1e-9); XCTAssertEqual(read(20, 20).x, 17, accuracy: 1e-9)
        // 11 px right of the centre reads 10 px above it (turned by 90°, shrunk by 1/1.1), plus d.
        XCTAssertEqual(read(20, 31).y, 20 - 10 + 2, accuracy: 1e-9); XCTAssertEqual(read(20, 31).x, 20 - 3, accuracy: 1e-9)
        // 11 px below the centre reads 10 px right of it.
        XCTAssertEqual(read(31, 20).y, 20 + 2, accuracy: 1e-9); XCTAssertEqual(read(31, 20).x, 20 + 10 - 3, accuracy: 1e-9)
        // Lucid's draws: scales 0.9…1.1 in steps of 0.02, integer angles within ±10°, jitter within ±8.
        var rng = SeededRandom(seed: 5)
        let draws = (0..<400).map { _ in RobustnessWarp.random(jitter: 8, maxDegrees: 10, using: &rng) }
        XCTAssertEqual(Set(draws.map { Int(($0.scale * 50).rounded()) }), Set(45...55))
        XCTAssertEqual(Set(draws.map { Int($0.degrees) }), Set(-10...10))
        XCTAssertEqual(Set(draws.map(\.dy)), Set(-8...8))
    }

    /// A channel before its fused ReLU: conv_small's conv4 channel 5 mean against Keras (its input convolved, no
    /// ReLU); 94% of the pre-activations are negative there, where the post-ReLU objective has no gradient.
    func testPreActivationChannelMatchesKeras() throws {
        let e = try Fixture.json("fourier/expected.json")
        let graph = try Fixture.graph("models/conv_small.keras3.h5")
        let start = try Fixture.npy("maximize/start.npy")
        XCTAssertEqual(graph.fusedActivation(try graph.resolve("conv4").id), .relu)
        let pre = try ActivationMaximizer(graph: graph, target: .channel(layer: "conv4", channel: 5), preActivation: true)
        let post = try ActivationMaximizer(graph: graph, target: .channel(layer: "conv4", channel: 5))
        let want = try XCTUnwrap(e["conv4_ch5_pre_activation_mean"]?.doubleValue)
        let (vPre, gPre) = try pre.objectiveAndGradient(start)
        let (vPost, gPost) = try post.objectiveAndGradient(start)
        XCTAssertEqual(vPre, want, accuracy: 1e-4 * abs(want))
        XCTAssertEqual(vPost, try XCTUnwrap(e["conv4_ch5_output_mean"]?.doubleValue), accuracy: 1e-4 * abs(vPost) + 1e-5)
        XCTAssertLessThan(vPre, 0)
        XCTAssertNotEqual(gPre.data, gPost.data)
        // The original graph is left as it was.
        XCTAssertEqual(try post.objectiveAndGradient(start).0, vPost)
    }
}
