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

    public static func compare(methods: [Method], threads: [Int], repeats: Int, skipReference: Bool,
                               patch: Int, stride: Int, steps: Int, channels: Int) throws {
        print(MachineHeader.line)
        let x = ForwardBenchmark.randomInput([1, 224, 224, 3], seed: 3, scale: 256)
        for method in methods {
            let graph = try Zoo.graph(named: method == .occlusion ? "vgg16" : "resnet50")
            ForwardBenchmark.randomizeWeights(graph)
            let mapper = try SaliencyMapper(graph: graph)
            for t in threads {
                Threading.set(t)
                OneDNN.setThreads(t)
                let what: String, args: [String]
                let body: () throws -> Void
                switch method {
                case .occlusion:
                    what = "vgg16 occlusion patch \(patch) stride \(stride)"
                    args = ["--patch", "\(patch)", "--stride", "\(stride)"]
                    body = { _ = try mapper.occlusion(x, patch: patch, stride: stride, fill: 0, classIndex: 0) }
                case .ig:
                    what = "resnet50 integrated gradients \(steps) steps"
                    args = ["--steps", "\(steps)"]
                    body = { _ = try mapper.integratedGradients(x, baseline: Tensor(zeros: x.shape), classIndex: 0, steps: steps) }
                case .scorecam:
                    what = "resnet50 score-cam conv5_block3_out \(channels) ch"
                    args = ["--channels", "\(channels)"]
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
                let tf = try TFReference.seconds(skip: skipReference, [method.rawValue, "--threads", "\(t)", "--repeats", "\(repeats)"] + args,
                                                 script: "attribution_bench.py")
                report("\(what) threads \(t)", convscope: times.sorted()[times.count / 2], tf: tf)
            }
        }
    }
}
