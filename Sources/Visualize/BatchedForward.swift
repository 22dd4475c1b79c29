import Foundation
import Graph
import Tensor

/// Many variants of one input through the logit graph, a batch at a time: what occlusion, Score-CAM,
/// faithfulness curves, Integrated Gradients and SmoothGrad have in common.
extension SaliencyMapper {
    /// Items per batched pass.
    public static let batchSize = 16
    /// Items per recorded forward and backward in Integrated Gradients: 8 measured fastest for ResNet50 at 224²
    /// (batch 8 0.64× and batch 32 1.10× the time of batch 16, one run each, under load; docs/performance.md).
    public static let gradientBatchSize = 8

    /// Runs `count` variants of an input of shape (1, …): `make(i, slot)` writes variant i into its slot of the
    /// batch; `consume(first, pass)` reads the pass over variants first ..< first + batch (logits at
    /// `logits.outputNodes[0]`, plus the nodes in `also`). `progress(done)` after each batch. `parallelMake`: the
    /// items of a batch are written over both cores (`make` must then only read shared state and write its slot).
    public func forEachBatch(count: Int, itemShape: [Int], also: [Int] = [], batchSize: Int = SaliencyMapper.batchSize,
                             parallelMake: Bool = false, progress: ((Int) -> Void)? = nil,
                             make: (Int, UnsafeMutableBufferPointer<Float>) -> Void,
                             consume: (Int, ForwardPass) throws -> Void) throws {
        var first = 0
        // Inference only: the fused kernels (folded BatchNormalization, fused epilogues), planned once.
        let plan = InferencePlan(graph: logits, targets: [logits.outputNodes[0]] + also)
        while first < count {
            let batch = Self.batch(first, min(batchSize, count - first), itemShape, parallel: parallelMake, make)
            let pass = ForwardPass(values: try plan.run([batch]))
            let b = batch.shape[0]
            try consume(first, pass)
            first += b
            progress?(first)
        }
    }

    /// Input gradients of the class score for `count` variants, a batch at a time (one recorded forward and one
    /// backward per batch: the items of a batch do not interact in inference). `consume(i, gradient)` gets item
    /// i's d logit_c / d input as a flat array in the input's layout.
    public func forEachGradient(count: Int, itemShape: [Int], classIndex c: Int, rule: BackwardRule = .gradient,
                                batchSize: Int = SaliencyMapper.batchSize, progress: ((Int) -> Void)? = nil,
                                make: (Int, UnsafeMutableBufferPointer<Float>) -> Void,
                                consume: (Int, ArraySlice<Float>) throws -> Void) throws {
        let n = itemShape.dropFirst().reduce(1, *)
        let out = logits.outputNodes[0]
        var first = 0
        while first < count {
            let b = min(batchSize, count - first)
            let batch = Self.batch(first, b, itemShape, make)
            var ctx = ForwardContext()
            let pass = try logits.forward([batch], targets: [out], record: true, context: &ctx)
            let y = pass.value(out)!                                             // (b, classes)
            try checkClass(c, y)
            var seed = Tensor(zeros: y.shape)
            for j in 0..<b { seed.data[j * y.shape[1] + c] = 1 }
            let g = try logits.backward(seeds: [out: seed], pass: pass, rule: rule).inputGradients[0]   // (b, …)
            for j in 0..<b { try consume(first + j, g.data[(j * n)..<((j + 1) * n)]) }
            first += b
            progress?(first)
        }
    }

    /// Variants first ..< first + b of an input of shape (1, …) as one (b, …) batch, each written by `make`.
    static func batch(_ first: Int, _ b: Int, _ itemShape: [Int], parallel: Bool = false,
                      _ make: (Int, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let n = itemShape.dropFirst().reduce(1, *)
        var batch = Tensor(zeros: [b] + itemShape.dropFirst())
        batch.data.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            if parallel {
                parallelFor(b) { j in make(first + j, UnsafeMutableBufferPointer(start: base + j * n, count: n)) }
            } else {
                for j in 0..<b { make(first + j, UnsafeMutableBufferPointer(start: base + j * n, count: n)) }
            }
        }
        return batch
    }

    /// Softmax of one row of scores, in double.
    public static func softmax<S: Collection>(_ z: S) -> [Double] where S.Element == Float {
        let m = Double(z.max() ?? 0)
        let e = z.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Softmax probabilities of every item of a (b, classes) score tensor.
    static func probabilities(_ y: Tensor) -> [[Double]] {
        let k = y.shape[1]
        return (0..<y.shape[0]).map { softmax(y.data[($0 * k)..<(($0 + 1) * k)]) }
    }
}
