import FastKernels
import Tensor
import XCTest

/// oneDNN's fused convolution against the naive reference (`ReferenceKernels.conv2d`) with the epilogue
/// applied by hand, over awkward shapes: TensorFlow's asymmetric "same" padding, "valid" with input rows
/// left unread, strides, dilation, groups, 1×1 stride 1, one input channel and batch > 1.
final class FusedConvolutionTests: XCTestCase {
    struct Case {
        var h: Int, w: Int, cin: Int, cout: Int, kh: Int, kw: Int
        var stride = (1, 1), dilation = (1, 1), padding = ConvGeometry.Padding.same, groups = 1, batch = 1
    }

    static let cases: [Case] = [
        Case(h: 7, w: 9, cin: 3, cout: 5, kh: 3, kw: 3),
        Case(h: 8, w: 8, cin: 4, cout: 6, kh: 3, kw: 3, stride: (2, 2), batch: 2),                // same, extra row at the bottom
        Case(h: 9, w: 8, cin: 5, cout: 7, kh: 3, kw: 2, stride: (2, 3), padding: .valid, batch: 3), // valid, rows left unread
        Case(h: 10, w: 11, cin: 6, cout: 4, kh: 3, kw: 3, dilation: (2, 3)),
        Case(h: 6, w: 6, cin: 8, cout: 12, kh: 1, kw: 1, batch: 2),                                // 1×1 stride 1
        Case(h: 7, w: 7, cin: 16, cout: 8, kh: 1, kw: 1, stride: (2, 2), padding: .valid),         // ResNet's projection
        Case(h: 9, w: 7, cin: 8, cout: 6, kh: 3, kw: 3, groups: 2, batch: 2),
        Case(h: 5, w: 5, cin: 6, cout: 6, kh: 3, kw: 3, padding: .valid, groups: 3),
        Case(h: 13, w: 13, cin: 1, cout: 3, kh: 7, kw: 7, stride: (2, 2)),                         // ResNet's stem, one channel
        Case(h: 1, w: 17, cin: 4, cout: 5, kh: 1, kw: 5, padding: .causal),                        // Conv1D causal as height 1
    ]

    func testFusedConvolutionMatchesTheReferenceWithEveryEpilogue() throws {
        var rng = SeededRandom(seed: 24)
        for (index, c) in Self.cases.enumerated() {
            let g = ConvGeometry(inH: c.h, inW: c.w, channels: c.cin, kH: c.kh, kW: c.kw, strideH: c.stride.0, strideW: c.stride.1,
                                 dilationH: c.dilation.0, dilationW: c.dilation.1, padding: c.padding)
            let x = Tensor(shape: [c.batch, c.h, c.w, c.cin], data: (0..<(c.batch * c.h * c.w * c.cin)).map { _ in rng.normal() })
            let kernel = Tensor(shape: [c.kh, c.kw, c.cin / c.groups, c.cout],
                                data: (0..<(c.kh * c.kw * c.cin / c.groups * c.cout)).map { _ in rng.normal() })
            let bias = (0..<c.cout).map { _ in rng.normal() }
            let outShape = [c.batch, g.outH, g.outW, c.cout]
            let residual = Tensor(shape: outShape, data: (0..<outShape.reduce(1, *)).map { _ in rng.normal() })
            let plain = Self.groupedReference(x, kernel: kernel, geometry: g, padding: c.padding, groups: c.groups)
            for (useBias, sum, relu) in [(false, false, false), (true, false, true), (true, true, true), (false, true, false)] {
                let epilogue = ConvolutionEpilogue(bias: useBias ? bias : nil, sum: sum, relu: relu)
                let conv = try FusedConvolution(geometry: g, batch: c.batch, kernel: kernel.data, filters: c.cout,
                                                groups: c.groups, epilogue: epilogue)
                let y = try conv(x, residual: sum ? residual : nil)
                var want = plain
                for i in want.data.indices {
                    var v = want.data[i]
                    if useBias { v += bias[i % c.cout] }
                    if sum { v += residual.data[i] }
                    want.data[i] = relu ? max(v, 0) : v
                }
                XCTAssertEqual(y.shape, want.shape, "case \(index)")
                let err = zip(y.data, want.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                XCTAssertLessThan(err, 1e-4 * Float(c.kh * c.kw * c.cin).squareRoot(),
                                  "case \(index) bias \(useBias) sum \(sum) relu \(relu) (\(conv.implementation))")
            }
        }
    }

    /// A grouped convolution as G reference convolutions over channel slices.
    static func groupedReference(_ x: Tensor, kernel: Tensor, geometry g: ConvGeometry, padding: ConvGeometry.Padding, groups: Int) -> Tensor {
        let n = x.shape[0], cin = g.channels, cig = cin / groups, cout = kernel.shape[3], fg = cout / groups
        let gg = ConvGeometry(inH: g.inH, inW: g.inW, channels: cig, kH: g.kH, kW: g.kW, strideH: g.strideH, strideW: g.strideW,
                              dilationH: g.dilationH, dilationW: g.dilationW, padding: padding)
        var y = Tensor(zeros: [n, g.outH, g.outW, cout])
        for j in 0..<groups {
            var xs = Tensor(zeros: [n, g.inH, g.inW, cig])
            for p in 0..<(n * g.inH * g.inW) { for k in 0..<cig { xs.data[p * cig + k] = x.data[p * cin + j * cig + k] } }
            var ks = Tensor(zeros: [g.kH, g.kW, cig, fg])
            for r in 0..<(g.kH * g.kW * cig) { for o in 0..<fg { ks.data[r * fg + o] = kernel.data[r * cout + j * fg + o] } }
            let ys = ReferenceKernels.conv2d(xs, kernel: ks, geometry: gg)
            for p in 0..<(n * g.outH * g.outW) { for o in 0..<fg { y.data[p * cout + j * fg + o] = ys.data[p * fg + o] } }
        }
        return y
    }

}
