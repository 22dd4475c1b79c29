import FastKernels
import Graph
import Tensor
import TestSupport
import XCTest

/// oneDNN's batched convolution backward (input, kernel and bias gradients) against a naive reference
/// computed in double, over the awkward shapes `FusedConvolutionTests` uses; and the layers' backward on
/// the oneDNN path against the im2col path it replaces (the reference and fallback), on a whole model.
final class ConvolutionBackwardTests: XCTestCase {
    func testBackwardMatchesTheNaiveReferenceOverOddShapes() throws {
        var rng = SeededRandom(seed: 2424)
        for (index, c) in FusedConvolutionTests.cases.enumerated() {
            let g = ConvGeometry(inH: c.h, inW: c.w, channels: c.cin, kH: c.kh, kW: c.kw, strideH: c.stride.0, strideW: c.stride.1,
                                 dilationH: c.dilation.0, dilationW: c.dilation.1, padding: c.padding)
            let cig = c.cin / c.groups
            let x = (0..<(c.batch * c.h * c.w * c.cin)).map { _ in rng.normal() }
            let k = (0..<(c.kh * c.kw * cig * c.cout)).map { _ in rng.normal() }
            let dy = (0..<(c.batch * g.outH * g.outW * c.cout)).map { _ in rng.normal() }
            let expected = Self.naiveBackward(x: x, kernel: k, dy: dy, geometry: g, batch: c.batch, filters: c.cout, groups: c.groups)
            let kernel = try ConvolutionBackward(geometry: g, batch: c.batch, filters: c.cout, groups: c.groups)
            var dx = [Float](repeating: .nan, count: x.count), dk = [Float](repeating: .nan, count: k.count)
            var db = [Float](repeating: .nan, count: c.cout)
            // A zero kernel first: the real one must then be reordered afresh, and a second call reuses it.
            try kernel.inputGradient(dy: dy, kernel: [Float](repeating: 0, count: k.count), dx: &dx)
            XCTAssertEqual(dx.map(abs).max(), 0, "case \(index): zero kernel")
            for _ in 0..<2 {
                try kernel.inputGradient(dy: dy, kernel: k, dx: &dx)
                try kernel.kernelGradient(x: x, dy: dy, dk: &dk, dbias: &db)
            }
            XCTAssertLessThanOrEqual(Self.relativeError(dx, expected.dx), 1e-5, "case \(index) dx (\(kernel.implementations))")
            XCTAssertLessThanOrEqual(Self.relativeError(dk, expected.dk), 1e-5, "case \(index) dk (\(kernel.implementations))")
            XCTAssertLessThanOrEqual(Self.relativeError(db, expected.db), 1e-5, "case \(index) db")
        }
    }

    /// The committed small Conv and ResNet models (convolutions with bias and ReLU, strides, 1×1 projections,
    /// BatchNormalization, residual Adds, pooling, dense): input and weight gradients for a batch of 3 are
    /// the same on both paths.
    func testLayerBackwardOnOneDNNEqualsTheIm2ColPath() throws {
        for name in ["conv_small", "resnet_small"] {
            let graph = try Fixture.graph("models/\(name).keras3.h5").logitGraph()
            var rng = SeededRandom(seed: 7)
            let shape = [3] + graph.nodes[graph.inputNodes[0]].outputShape
            let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform() })
            func gradients(_ path: ConvolutionBackwardCache.Path) throws -> [Tensor] {
                let saved = ConvolutionBackwardCache.path
                ConvolutionBackwardCache.path = path
                defer { ConvolutionBackwardCache.path = saved }
                var ctx = ForwardContext()
                let out = graph.outputNodes[0]
                let pass = try graph.forward([x], targets: [out], record: true, context: &ctx)
                let y = pass.value(out)!
                let seed = Tensor(shape: y.shape, data: (0..<y.count).map { Float($0 % 7) - 3 })
                let back = try graph.backward(seeds: [out: seed], pass: pass, weightGradients: true)
                return back.inputGradients + graph.layers.flatMap { back.weightGradients[ObjectIdentifier($0)] ?? [] }
            }
            let reference = try gradients(.im2col), before = ConvolutionBackwardCache.count, fast = try gradients(.oneDNN)
            XCTAssertTrue(before > 0 || ConvolutionBackwardCache.count > 0, "\(name): the oneDNN path made no kernel")
            XCTAssertEqual(reference.count, fast.count, name)
            XCTAssertGreaterThan(reference.count, 4, name)
            for (k, (a, b)) in zip(reference, fast).enumerated() {
                XCTAssertEqual(a.shape, b.shape, "\(name) gradient \(k)")
                XCTAssertLessThanOrEqual(Self.relativeError(b.data, a.data), 1e-4, "\(name) gradient \(k)")
            }
        }
    }

    /// dx, dk, db of y = conv(x, k) for the upstream dy, in double by the definition.
    static func naiveBackward(x: [Float], kernel k: [Float], dy: [Float], geometry g: ConvGeometry, batch: Int, filters: Int,
                              groups: Int) -> (dx: [Float], dk: [Float], db: [Float]) {
        let cin = g.channels, cig = cin / groups, fg = filters / groups
        var dx = [Double](repeating: 0, count: x.count), dk = [Double](repeating: 0, count: k.count), db = [Double](repeating: 0, count: filters)
        for b in 0..<batch {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    let yi = ((b * g.outH + oy) * g.outW + ox) * filters
                    for o in 0..<filters { db[o] += Double(dy[yi + o]) }
                    for ky in 0..<g.kH {
                        let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                        guard iy >= 0, iy < g.inH else { continue }
                        for kx in 0..<g.kW {
                            let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                            guard ix >= 0, ix < g.inW else { continue }
                            let xi = ((b * g.inH + iy) * g.inW + ix) * cin
                            for o in 0..<filters {
                                let grp = o / fg, d = Double(dy[yi + o])
                                for ci in 0..<cig {
                                    let ki = ((ky * g.kW + kx) * cig + ci) * filters + o
                                    dx[xi + grp * cig + ci] += d * Double(k[ki])
                                    dk[ki] += d * Double(x[xi + grp * cig + ci])
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx.map(Float.init), dk.map(Float.init), db.map(Float.init))
    }

    /// max |a − b| / max(max |b|, 1e-12); infinite where a holds a NaN or an infinity.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        guard !a.contains(where: { !$0.isFinite }) else { return .infinity }
        let scale = max(b.map(abs).max() ?? 0, 1e-12)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }
}
