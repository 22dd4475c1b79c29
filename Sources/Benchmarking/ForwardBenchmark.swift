import Foundation
import Graph
import Tensor
import Zoo

/// Times forward passes of a graph: the median of several runs after one warm-up.
public enum ForwardBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let batch: Int
        public let threads: Int
        public let medianSeconds: Double
        public let gflops: Double?
        public let peakRSSMB: Double
    }

    /// GFLOP per image of a forward pass of the built-in models (multiply-adds counted as two).
    public static let gflopPerImage: [String: Double] = ["vgg16": 30.95, "resnet50": 7.74, "conv": 0.154, "vonc": 0.097]

    /// Random weights are fine for timing; inputs are random in a caffe-like range.
    public static func run(graph: Graph, batch: Int, threads: Int, repeats: Int, gflopPerImage: Double?) throws -> Result {
        Threading.set(threads)
        let x = randomInput([batch] + graph.nodes[graph.inputNodes[0]].outputShape, seed: 7, scale: 255)
        let median = try medianSeconds(repeats: repeats) { _ = try graph.predict(x) }
        return Result(model: graph.name, batch: batch, threads: threads, medianSeconds: median,
                      gflops: gflopPerImage.map { $0 * Double(batch) / median }, peakRSSMB: peakRSSMegabytes())
    }

    /// `convscope bench forward`: each model × batch × thread count against TensorFlow (unless `skipReference`).
    public static func compare(archs: [String], batches: [Int], threads: [Int], repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        for a in archs {
            let graph = try Zoo.graph(named: a)
            randomizeWeights(graph)
            for b in batches { for t in threads {
                let r = try run(graph: graph, batch: b, threads: t, repeats: repeats, gflopPerImage: gflopPerImage[a])
                let tf = try TFReference.seconds(skip: skipReference, ["forward", "--model", a, "--batch", "\(b)", "--threads", "\(t)", "--repeats", "\(repeats)"])
                report("\(a) batch \(b) threads \(t)\(r.gflops.map { String(format: " (%.0f GFLOP/s)", $0) } ?? "")", convscope: r.medianSeconds, tf: tf)
            } }
        }
        print(String(format: "peak memory of this process: %.0f MB", peakRSSMegabytes()))
    }

    /// Randomises every weight (He-normal-ish), so a zoo graph can be timed without a file.
    public static func randomizeWeights(_ graph: Graph, seed: UInt64 = 1) {
        var rng = SeededRandom(seed: seed)
        for layer in graph.layers {
            for k in layer.weights.indices {
                let fanIn = Float(layer.weights[k].value.shape.dropLast().reduce(1, *))
                let scale = layer.weights[k].name.contains("variance") ? 0 : (2 / max(fanIn, 1)).squareRoot()
                for i in layer.weights[k].value.data.indices {
                    layer.weights[k].value.data[i] = layer.weights[k].name.contains("variance") ? 1 : rng.normal() * scale
                }
            }
        }
    }

    /// A seeded random input, uniform in [-128, scale - 128).
    public static func randomInput(_ shape: [Int], seed: UInt64, scale: Float) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var x = Tensor(zeros: shape)
        for i in x.data.indices { x.data[i] = rng.uniform() * scale - 128 }
        return x
    }
}
