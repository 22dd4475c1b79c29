import FastKernels
import Foundation
import Graph
import Tensor
import TestSupport
import XCTest

/// oneDNN's pooling against the layers' own naive forward (`WindowMaximum`, `WindowMean`) over awkward
/// shapes: TensorFlow's asymmetric "same" padding (padded positions neither win a maximum nor count in an
/// average), "valid" windows leaving rows and columns unread, unequal strides, channel counts that are not
/// a multiple of oneDNN's 8/16-channel blocks, batch > 1, one row (a 1-D pooling). And the same, with a
/// fused convolution and a small model through the plan, when oneDNN is held to AVX2 (a child process).
final class FastPoolingTests: XCTestCase {
    struct Case {
        var h: Int, w: Int, c: Int, kh: Int, kw: Int, stride: (Int, Int), padding: ConvGeometry.Padding, batch: Int
    }

    static let cases: [Case] = [
        Case(h: 8, w: 8, c: 16, kh: 2, kw: 2, stride: (2, 2), padding: .valid, batch: 1),     // VGG16's
        Case(h: 11, w: 13, c: 5, kh: 2, kw: 2, stride: (2, 2), padding: .valid, batch: 3),    // odd sizes: last row/column unread
        Case(h: 9, w: 9, c: 17, kh: 3, kw: 3, stride: (2, 2), padding: .valid, batch: 2),     // ResNet50's pool1 shape, 17 channels
        Case(h: 10, w: 7, c: 3, kh: 3, kw: 3, stride: (2, 2), padding: .same, batch: 2),      // extra padding bottom/right
        Case(h: 7, w: 9, c: 24, kh: 3, kw: 2, stride: (1, 3), padding: .same, batch: 1),
        Case(h: 6, w: 5, c: 33, kh: 3, kw: 3, stride: (1, 1), padding: .same, batch: 2),
        Case(h: 1, w: 17, c: 9, kh: 1, kw: 4, stride: (1, 3), padding: .valid, batch: 2),     // MaxPooling1D as height 1
        Case(h: 5, w: 5, c: 7, kh: 5, kw: 5, stride: (5, 5), padding: .same, batch: 1),       // one window over everything
    ]

    func testFastPoolingMatchesTheLayersForward() throws {
        var rng = SeededRandom(seed: 31)
        for (index, c) in Self.cases.enumerated() {
            let g = ConvGeometry(inH: c.h, inW: c.w, channels: c.c, kH: c.kh, kW: c.kw, strideH: c.stride.0, strideW: c.stride.1, padding: c.padding)
            // Negative values, so a padded zero would win a maximum if oneDNN counted it.
            let x = Tensor(shape: [c.batch, c.h, c.w, c.c], data: (0..<(c.batch * c.h * c.w * c.c)).map { _ in rng.normal() - 3 })
            for kind in [FastPooling.Kind.maximum, .average] {
                let pool = try FastPooling(kind: kind, geometry: g, batch: c.batch)
                let y = try pool(x)
                let want = kind == .maximum ? WindowMaximum.forward(x, g, tape: nil) : WindowMean.forward(x, g, tape: nil)
                XCTAssertEqual(y.shape, want.shape, "case \(index) \(kind)")
                let err = zip(y.data, want.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                XCTAssertLessThanOrEqual(err, 1e-5, "case \(index) \(kind) (\(pool.implementation))")
            }
        }
    }

    /// When the environment holds oneDNN to AVX2 (the child process below), oneDNN says so.
    func testOneDNNFollowsTheISAOfTheEnvironment() throws {
        if ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"] == "AVX2" {
            XCTAssertEqual(OneDNN.isa, "avx2")
        }
    }

    /// The fast paths' tests against their references (pooling, the fused convolution, the plan of the
    /// committed small models against Keras) in a child process started with `ONEDNN_MAX_CPU_ISA=AVX2`
    /// (oneDNN reads it once, at its first use): the kernels every AVX2-only CPU gets, checked on any x86-64.
    static let underAVX2 = ["FastKernelsTests.FastPoolingTests/testOneDNNFollowsTheISAOfTheEnvironment",
                            "FastKernelsTests.FastPoolingTests/testFastPoolingMatchesTheLayersForward",
                            "FastKernelsTests.FusedConvolutionTests/testFusedConvolutionMatchesTheReferenceWithEveryEpilogue",
                            "FastKernelsTests.InferencePlanTests/testSmallModelsThroughThePlanMatchKeras",
                            "FastKernelsTests.InferencePlanTests/testZeroPaddingFoldsIntoPoolingOnlyWhereExact",
                            "FastKernelsTests.InferencePlanTests/testOneDNNLayoutChainsMatchTheForward"]

    func testUnderAVX2InAChildProcess() throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        guard me.path.hasSuffix(".xctest") else {
            throw XCTSkip("not running from an xctest bundle: \(me.path)")
        }
        let r = try ChildRun.run(me, [Self.underAVX2.joined(separator: ",")],
                                 environment: ["ONEDNN_MAX_CPU_ISA": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2"],
                                 directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let output = r.output
        XCTAssertEqual(r.status, 0, output)
        XCTAssertTrue(output.contains("Executed \(Self.underAVX2.count) tests, with 0 failures"), output)
    }
}
