import Foundation
import Graph
import Tensor
import XCTest

/// The training-mode fast paths against naive references: Dropout's mask drawn and applied in one pass, and
/// BatchNormalization's batch statistics over channel chunks on the threads.
final class TrainingPassTests: XCTestCase {
    private func make(_ className: String, _ json: String) throws -> any Layer {
        try LayerRegistry.make(className: className, name: className.lowercased(), config: try JSONParser().parse(json))
    }

    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = rng.uniform() * 4 - 1.5 }
        return t
    }

    /// Dropout draws one uniform per value, in order, from the context's generator: value i is dropped when its
    /// draw is below the rate, kept ones scale by 1/(1 − rate); the tape's mask is what backward multiplies by.
    func testDropoutDrawsItsMaskInOrder() throws {
        for (shape, rate) in [([3, 5, 7, 3], Float(0.3)), ([2, 1000], 0.5), ([1, 1], 0.2)] {
            let layer = try make("Dropout", #"{"rate": \#(rate)}"#)
            _ = try layer.build(inputShapes: [Array(shape.dropFirst())])
            let x = random(shape, seed: 7)
            var ctx = ForwardContext(mode: .training, seed: 11)
            let tape = Tape()
            let y = try layer.forward([x], context: &ctx, tape: tape)
            var rng = SeededRandom(seed: 11)
            let keep = 1 / (1 - rate)
            let mask = (0..<x.count).map { _ in rng.uniform() < rate ? 0 : keep }
            XCTAssertEqual(y.shape, x.shape)
            XCTAssertEqual(y.data, zip(x.data, mask).map { $0 * $1 }, "\(shape)")
            XCTAssertEqual(tape.saved.first?.data, mask)
            XCTAssertEqual(ctx.random.next(), rng.next(), "the generator moves on by one draw per value")
            tape.inputs = [x]
            tape.output = y
            let upstream = random(shape, seed: 8)
            let g = try layer.backward(upstream, tape: tape, rule: .gradient, weightGradients: false).inputs[0]
            XCTAssertEqual(g.data, zip(upstream.data, mask).map { $0 * $1 })
        }
    }

    /// Training-mode batch statistics (mean, biased variance, the moving averages and the normalised output) against
    /// a naive Double reference, channels last and first, on shapes big enough to split over the threads, and the
    /// same values at 1 and 2 threads.
    func testBatchNormalizationTrainingStatisticsMatchNaiveReference() throws {
        let saved = Threading.count
        defer { Threading.set(saved) }
        for (json, shape, axis) in [(#"{"momentum": 0.9, "epsilon": 0.001}"#, [5, 37, 29, 7], 3),
                                    (#"{"axis": 1, "momentum": 0.8, "epsilon": 0.01}"#, [3, 6, 41, 43], 1)] {
            var outputs: [[Float]] = []
            for threads in [1, 2] {
                Threading.set(threads)
                let bn = try make("BatchNormalization", json)
                _ = try bn.build(inputShapes: [Array(shape.dropFirst())])
                let x = random(shape, seed: 3)
                var ctx = ForwardContext(mode: .training)
                let y = try bn.forward([x], context: &ctx, tape: Tape())
                let c = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
                var sum = [Double](repeating: 0, count: c), sq = [Double](repeating: 0, count: c)
                for (i, v) in x.data.enumerated() { sum[(i / inner) % c] += Double(v) }
                let n = Double(x.count / c), mean = sum.map { $0 / n }
                for (i, v) in x.data.enumerated() { let d = Double(v) - mean[(i / inner) % c]; sq[(i / inner) % c] += d * d }
                let variance = sq.map { $0 / n }
                let momentum: Float = axis == 3 ? 0.9 : 0.8, eps: Float = axis == 3 ? 0.001 : 0.01
                for k in 0..<c {
                    XCTAssertEqual(bn.weights[2].value.data[k], Float(mean[k]) * (1 - momentum), accuracy: 1e-6)
                    XCTAssertEqual(bn.weights[3].value.data[k], momentum + Float(variance[k]) * (1 - momentum), accuracy: 1e-6)
                }
                for (i, v) in x.data.enumerated() {
                    let k = (i / inner) % c
                    let want = (v - Float(mean[k])) / (Float(variance[k]) + eps).squareRoot()
                    if abs(y.data[i] - want) > 1e-5 { XCTFail("\(shape) value \(i): \(y.data[i]) vs \(want)"); break }
                }
                outputs.append(y.data)
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(shape): the same at 1 and 2 threads")
        }
    }
}
