import FastKernels
import Foundation
import Tensor
import Visualize
import Zoo

/// `convscope bench attribution` (issue 18): occlusion of VGG16 (224², patch 32, stride 8), Integrated Gradients
/// with 32 steps and Score-CAM at ResNet50's last block, each against the same method in TensorFlow
/// (Benchmarks/attribution_bench.py: same batching, 16 images per call), random seeded weights on both sides.
/// One untimed batch first on each side (TensorFlow traces its functions there), then `repeats` timed runs.
public enum AttributionBenchmark {
    public enum Method: String, CaseIterable, Sendable { case occlusion, ig, scorecam }

    /// `overhead`: also times occlusion's full path (every occluded image through the whole graph) against the
    /// incremental one, Integrated Gradients at batch 16 and 32 against its default (8), and for Score-CAM the same number of
    /// batched forwards of the unchanged image (no mask, no softmax), so what it spends beyond them shows.
    public static func compare(methods: [Method], threads: [Int], repeats: Int, skipReference: Bool,
                               patch: Int, stride: Int, steps: Int, channels: Int, overhead: Bool = false) throws {
        print(MachineHeader.line)
        print("batches of \(SaliencyMapper.batchSize) images on both sides (SaliencyMapper.batchSize; attribution_bench.py BATCH); "
              + "Integrated Gradients \(SaliencyMapper.gradientBatchSize) on ConvScope's side (SaliencyMapper.gradientBatchSize)")
        let x = ForwardBenchmark.randomInput([1, 224, 224, 3], seed: 3, scale: 256)
        for method in methods {
            let graph = try Zoo.graph(named: method == .occlusion ? "vgg16" : "resnet50")
            ForwardBenchmark.randomizeWeights(graph)
            let mapper = try SaliencyMapper(graph: graph)
            for t in threads {
                Threading.set(t)
                OneDNN.setThreads(t)
                let what: String, args: [String], items: Int
                let body: () throws -> Void
                switch method {
                case .occlusion:
                    what = "vgg16 occlusion patch \(patch) stride \(stride)"
                    args = ["--patch", "\(patch)", "--stride", "\(stride)"]
                    let side = SaliencyMapper.occlusionPositions(size: 224, patch: patch, stride: stride).count
                    items = side * side
                    body = { _ = try mapper.occlusion(x, patch: patch, stride: stride, fill: 0, classIndex: 0) }
                case .ig:
                    what = "resnet50 integrated gradients \(steps) steps"
                    args = ["--steps", "\(steps)"]
                    items = steps
                    body = { _ = try mapper.integratedGradients(x, baseline: Tensor(zeros: x.shape), classIndex: 0, steps: steps) }
                case .scorecam:
                    what = "resnet50 score-cam conv5_block3_out \(channels) ch"
                    args = ["--channels", "\(channels)"]
                    items = channels
                    body = { _ = try mapper.scoreCAM(x, classIndex: 0, layer: "conv5_block3_out", channels: channels) }
                }
                try mapper.forEachBatch(count: SaliencyMapper.batchSize, itemShape: x.shape, make: { _, slot in
                    _ = slot.update(fromContentsOf: x.data)
                }, consume: { _, _ in })                                                  // the untimed batch
                var times: [Double] = []
                for _ in 0..<max(1, repeats) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try body()
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                if overhead && method == .occlusion {
                    // The incremental path (the default) against every occluded image through the whole graph.
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try mapper.occlusion(x, patch: patch, stride: stride, fill: 0, classIndex: 0, path: .full)
                    let full = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, whole = times.sorted()[times.count / 2]
                    print(String(format: "%@ threads %d: full path %.1f ms, incremental %.1f ms, ratio %.3f (incremental / full)",
                                 what as NSString, t, full * 1000, whole * 1000, whole / full))
                }
                if overhead && method == .ig {
                    // The batch the interpolated images go through in (each a recorded forward and a backward).
                    for b in [16, 32] {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        _ = try mapper.integratedGradients(x, baseline: Tensor(zeros: x.shape), classIndex: 0, steps: steps, batchSize: b)
                        let other = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, whole = times.sorted()[times.count / 2]
                        print(String(format: "%@ threads %d: batch %d %.1f ms, batch %d %.1f ms, ratio %.3f",
                                     what as NSString, t, b, other * 1000, SaliencyMapper.gradientBatchSize, whole * 1000, other / whole))
                    }
                }
                if overhead && method == .scorecam {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try mapper.forEachBatch(count: items, itemShape: x.shape, make: { _, slot in _ = slot.update(fromContentsOf: x.data) },
                                            consume: { _, _ in })
                    let forward = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, whole = times.sorted()[times.count / 2]
                    print(String(format: "%@ threads %d: %d batched forwards %.1f ms, the method %.1f ms, beyond the forwards %.1f%%",
                                 what as NSString, t, items, forward * 1000, whole * 1000, (whole - forward) / whole * 100))
                }
                let tf = try TFReference.seconds(skip: skipReference, [method.rawValue, "--threads", "\(t)", "--repeats", "\(repeats)"] + args,
                                                 script: "attribution_bench.py")
                report("\(what) threads \(t)", convscope: times.sorted()[times.count / 2], tf: tf)
            }
        }
    }
}
