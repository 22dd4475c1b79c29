import FastKernels
@testable import Graph
import Tensor
import TestSupport
import XCTest

/// Recorded passes allocate their activations and gradients without a zero fill where a kernel writes every
/// value (`Tensor(uninitialized:)`: BatchNormalization, ReLU, max pooling, the convolutions' oneDNN input
/// gradient, sums at forks), and max unpooling runs by (image, channel range). Under glibc's perturbing
/// allocator every allocation starts as a fill pattern, so a value left unwritten changes the result with it.
final class RecordedPassBufferTests: XCTestCase {
    override func tearDown() { PerturbingAllocator.fill(0) }

    /// Input and weight gradients of the small Conv (Conv2D with a fused ReLU, max pooling) and ResNet
    /// (BatchNormalization, ReLU layers, residual Adds, strided 1×1 convolutions) models, under two fill
    /// patterns (≈ 3.4e38 and ≈ 0.75) and on both convolution paths: all finite and equal.
    func testGradientsDoNotDependOnWhatTheAllocatorHandsBack() throws {
        for name in ["conv_small", "resnet_small"] {
            let graph = try Fixture.graph("models/\(name).keras3.h5").logitGraph()
            var rng = SeededRandom(seed: 11)
            let shape = [2] + graph.nodes[graph.inputNodes[0]].outputShape
            let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform() })
            func gradients(_ path: ConvolutionBackwardCache.Path, fill: Int32, rule: BackwardRule) throws -> [Tensor] {
                let saved = ConvolutionBackwardCache.path
                ConvolutionBackwardCache.path = path
                defer { ConvolutionBackwardCache.path = saved; PerturbingAllocator.fill(0) }
                guard PerturbingAllocator.fill(fill) else { throw XCTSkip("no mallopt(M_PERTURB) here") }
                var ctx = ForwardContext()
                let out = graph.outputNodes[0]
                let pass = try graph.forward([x], targets: [out], record: true, context: &ctx)
                let y = pass.value(out)!
                let seed = Tensor(shape: y.shape, data: (0..<y.count).map { Float($0 % 5) - 2 })
                let back = try graph.backward(seeds: [out: seed], pass: pass, rule: rule, weightGradients: rule == .gradient)
                return [y] + back.inputGradients + graph.layers.flatMap { back.weightGradients[ObjectIdentifier($0)] ?? [] }
            }
            for rule in [BackwardRule.gradient, .deconvnet, .guided] {
                let reference = try gradients(.oneDNN, fill: 0x80, rule: rule)
                for (path, fill) in [(ConvolutionBackwardCache.Path.oneDNN, Int32(0xC0)), (.im2col, 0x80), (.im2col, 0xC0)] {
                    let other = try gradients(path, fill: fill, rule: rule)
                    XCTAssertEqual(reference.count, other.count, "\(name) \(rule)")
                    for (k, (a, b)) in zip(reference, other).enumerated() {
                        XCTAssertEqual(a.shape, b.shape, "\(name) \(rule) tensor \(k)")
                        XCTAssertLessThanOrEqual(ConvolutionBackwardTests.relativeError(b.data, a.data), 1e-4,
                                                 "\(name) \(rule) tensor \(k), \(path) path, fill \(fill)")
                    }
                }
            }
        }
    }

    /// Unpooling by (image, channel range) writes exactly what image-by-image unpooling writes, where 3×3
    /// windows of stride 2 overlap (an input position takes several outputs' values) and at odd shapes.
    func testUnpoolingByChannelRangesEqualsImageByImage() throws {
        for (h, w, c, pool, stride, padding) in [(11, 13, 24, 3, 2, "same"), (9, 7, 64, 2, 2, "valid"), (5, 6, 3, 3, 1, "same"),
                                                 (17, 17, 130, 3, 2, "valid")] {
            let layer = try MaxPooling2D(name: "pool", config: ["pool_size": [JSON(integerLiteral: pool), JSON(integerLiteral: pool)],
                                                                  "strides": [JSON(integerLiteral: stride), JSON(integerLiteral: stride)],
                                                                  "padding": JSON(stringLiteral: padding)])
            _ = try layer.build(inputShapes: [[h, w, c]])
            var rng = SeededRandom(seed: UInt64(h * w * c))
            let x = Tensor(shape: [3, h, w, c], data: (0..<(3 * h * w * c)).map { _ in Float(Int(rng.uniform() * 9)) })  // ties too
            let tape = Tape()
            tape.inputs = [x]
            var ctx = ForwardContext()
            let y = try layer.forward([x], context: &ctx, tape: tape)
            let upstream = Tensor(shape: y.shape, data: (0..<y.count).map { _ in rng.uniform() - 0.5 })
            PerturbingAllocator.fill(0x80)
            let split = unpoolToSwitches(upstream, inputShape: x.shape, tape: tape)
            PerturbingAllocator.fill(0)
            let reference = unpoolImageByImage(upstream, inputShape: x.shape, tape: tape)
            XCTAssertEqual(split, reference, "\(h)×\(w)×\(c), pool \(pool), stride \(stride), \(padding)")
        }
    }
}
