import FastKernels
import Foundation
import Graph
import Tensor
import Zoo

/// `convscope bench kernels`: every distinct convolution shape of the built-in models, the layer's own
/// forward (im2col + OpenBLAS sgemm + bias pass) against oneDNN's fused convolution (bias in its epilogue)
/// on the same input, the two interleaved and each timed by its fastest run, so a loaded machine's
/// noise hits both alike. This is the measurement the inference plan's kernel choice rests on.
public enum KernelBenchmark {
    public struct Row: Codable, Sendable {
        public let model: String
        public let layer: String
        public let shape: String
        public let im2colSeconds: Double
        public let oneDNNSeconds: Double
        public let implementation: String
    }

    public static func compare(archs: [String], batch: Int, threads: Int, repeats: Int) throws {
        print(MachineHeader.line)
        Threading.set(threads)
        OneDNN.setThreads(threads)
        var seen = Set<String>()
        var totals: [String: (im2col: Double, onednn: Double)] = [:]
        for a in archs {
            let graph = try Zoo.graph(named: a)
            ForwardBenchmark.randomizeWeights(graph)
            for n in graph.nodes {
                guard let conv = n.layer as? Conv2D, n.inputs.count == 1 else { continue }
                let inShape = graph.nodes[n.inputs[0]].outputShape
                let kernel = conv.weights[0].value
                let key = "\(inShape) k\(kernel.shape) s\(n.outputShape)"
                let x = ForwardBenchmark.randomInput([batch] + inShape, seed: 3, scale: 2)
                guard let g = conv.geometry, conv.groups == 1 else { continue }
                let fused = try FusedConvolution(geometry: g, batch: batch, kernel: kernel.data, filters: kernel.shape[3],
                                                 epilogue: ConvolutionEpilogue(bias: conv.weights.count > 1 ? conv.weights[1].value.data : nil))
                var ctx = ForwardContext()
                var best = (im2col: Double.infinity, onednn: Double.infinity)
                for _ in 0..<max(2, repeats) {
                    var t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try conv.forward([x], context: &ctx, tape: nil)
                    best.im2col = min(best.im2col, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try fused(x)
                    best.onednn = min(best.onednn, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                var t = totals[a] ?? (0, 0)
                t.im2col += best.im2col; t.onednn += best.onednn
                totals[a] = t
                guard seen.insert(key).inserted else { continue }
                print(String(format: "%@ %@ in %@ kernel %@: im2col %8.2f ms   oneDNN %8.2f ms (%@)   ratio %.2f",
                             a, n.name, "\(inShape)", "\(kernel.shape)", best.im2col * 1000, best.onednn * 1000, fused.implementation,
                             best.onednn / best.im2col))
            }
        }
        for (a, t) in totals.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@ batch %d threads %d, all convolutions: im2col %.1f ms, oneDNN %.1f ms, ratio %.2f",
                         a, batch, threads, t.im2col * 1000, t.onednn * 1000, t.onednn / t.im2col))
        }
    }
}
