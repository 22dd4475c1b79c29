import XCTest
@testable import Graph
import Tensor

final class KernelTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = rng.normal() }
        return t
    }

    /// im2col + sgemm convolution equals the direct loop for every padding/stride/dilation mix.
    func testConvMatchesReference() throws {
        for (h, w, k, s, d, pad) in [(7, 9, 3, 1, 1, "same"), (7, 9, 3, 2, 1, "same"), (8, 8, 3, 2, 1, "valid"),
                                     (9, 7, 3, 1, 2, "same"), (6, 5, 1, 1, 1, "valid"), (5, 6, 2, 2, 1, "same")] {
            let cfg: JSON = ["filters": 4, "kernel_size": .array([.number(Double(k)), .number(Double(k))]),
                             "strides": .array([.number(Double(s)), .number(Double(s))]),
                             "dilation_rate": .array([.number(Double(d)), .number(Double(d))]),
                             "padding": .string(pad), "use_bias": false, "activation": "linear"]
            let conv = try Conv2D(name: "c", config: cfg)
            _ = try conv.build(inputShapes: [[h, w, 3]])
            conv.weights[0].value = random(conv.weights[0].value.shape, seed: 1)
            let x = random([2, h, w, 3], seed: 2)
            var ctx = ForwardContext()
            let y = try conv.forward([x], context: &ctx, tape: nil)
            let ref = ReferenceKernels.conv2d(x, kernel: conv.weights[0].value, geometry: conv.geometry!)
            XCTAssertEqual(y.shape, ref.shape)
            let err = zip(y.data, ref.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(err, 1e-4, "h\(h) w\(w) k\(k) s\(s) d\(d) \(pad)")
        }
    }

    /// "same" padding puts the odd extra row/column at the bottom/right (TensorFlow), so out = ceil(in / stride).
    /// One-row products (a Dense layer on one image) run as sgemv: every transposition, strides wider than
    /// the matrices, alpha and beta, against the naive double sum.
    func testOneRowProductsMatchTheNaiveSum() {
        var rng = SeededRandom(seed: 23)
        for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
            let n = 37, k = 301, lda = transA ? 3 : k + 2, ldb = transB ? k + 5 : n + 3
            let a = (0..<(transA ? k * lda : lda)).map { _ in rng.normal() }
            let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.normal() }
            let c0 = (0..<n).map { _ in rng.normal() }
            var c = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                sgemm(transA: transA, transB: transB, m: 1, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                      b: bp.baseAddress!, ldb: ldb, beta: 2, c: cp.baseAddress!, ldc: n)
            } } }
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = Double(transA ? a[p * lda] : a[p]), w = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x * w
                }
                let want = 0.5 * sum + 2 * Double(c0[j])
                XCTAssertEqual(Double(c[j]), want, accuracy: 1e-4 * max(1, abs(want)), "transA \(transA), transB \(transB), column \(j)")
            }
        }
    }

    func testSamePaddingGeometry() {
        let g = ConvGeometry(inH: 8, inW: 7, channels: 1, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: .same)
        XCTAssertEqual([g.outH, g.outW], [4, 4])
        XCTAssertEqual([g.padTop, g.padLeft], [0, 1])
    }
}
