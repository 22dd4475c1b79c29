import Foundation
import Graph
import Tensor

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

    /// Random weights are fine for timing; inputs are random in a caffe-like range.
    public static func run(graph: Graph, batch: Int, threads: Int, repeats: Int, gflopPerImage: Double?) throws -> Result {
        Threading.set(threads)
        let shape = [batch] + graph.nodes[graph.inputNodes[0]].outputShape
        var rng = SeededRandom(seed: 7)
        var x = Tensor(zeros: shape)
        for i in x.data.indices { x.data[i] = rng.uniform() * 255 - 128 }
        _ = try graph.predict(x)
        var times: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try graph.predict(x)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        times.sort()
        let median = times[times.count / 2]
        return Result(model: graph.name, batch: batch, threads: threads, medianSeconds: median,
                      gflops: gflopPerImage.map { $0 * Double(batch) / median }, peakRSSMB: peakRSSMegabytes())
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
}

/// Peak resident set size of this process (VmHWM), in MB.
public func peakRSSMegabytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}
