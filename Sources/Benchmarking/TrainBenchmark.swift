import FastKernels
import Foundation
import Graph
import Tensor
import Training
import Zoo

/// `convscope bench train`: training throughput of Conv (32x32, batch 128, Adam, dropout and max-norm
/// active) and one ResNet50 fine-tuning epoch on 30 images, against Keras.
public enum TrainBenchmark {
    public static func compare(threads: [Int], batches: Int, repeats: Int, resnet: Bool, skipReference: Bool) throws {
        print(MachineHeader.line)
        for t in threads {
            Threading.set(t)
            OneDNN.setThreads(t)
            let conv = try Zoo.graph(named: "conv")
            ForwardBenchmark.randomizeWeights(conv)
            let trainer = try Trainer(graph: conv, optimizer: try OptimizerFactory.make("adam", learningRate: 1e-4, decay: 1e-6),
                                      batchSize: 128, epochs: 1, seed: 1, preprocess: { _ in Tensor(zeros: [1]) })
            let (x, y) = randomBatch(128, [32, 32, 3], classes: 1000)
            resetPeakRSS()
            let s = try medianSeconds(repeats: repeats) { for b in 0..<batches { _ = try trainer.trainStep(x: x, y: y, dropoutSeed: UInt64(b)) } }
            let convPeak = peakRSSMegabytes()
            let ours = Double(128 * batches) / s
            let ref: JSON? = skipReference ? nil
                : try TFReference.run(["train", "--model", "conv", "--batch", "128", "--batches", "\(batches)", "--threads", "\(t)", "--repeats", "\(repeats)"])
            let theirs = ref?["images_per_s"]?.doubleValue
            print(String(format: "conv training, batch 128, threads %d: ConvScope %.0f images/s%@", t, ours,
                         theirs.map { String(format: "   Keras %.0f images/s   ratio (ours/theirs) %.2f", $0, ours / $0) } ?? ""))
            peakLine("conv training, batch 128, threads \(t)", ours: convPeak, theirs: ref?["peak_rss_mb"]?.doubleValue)
            guard resnet else { continue }
            let resnet50 = try Zoo.graph(named: "resnet50")
            ForwardBenchmark.randomizeWeights(resnet50)
            let rt = try Trainer(graph: resnet50, optimizer: try OptimizerFactory.make("adam", learningRate: 1e-3, decay: 1e-6),
                                 batchSize: 32, epochs: 1, seed: 1, preprocess: { _ in Tensor(zeros: [1]) })
            // model.fit(validation_split=0.3) on 30 images: one training batch of 21, evaluation of 9.
            let (tx, ty) = randomBatch(21, [224, 224, 3], classes: 1000)
            let (vx, _) = randomBatch(9, [224, 224, 3], classes: 1000)
            resetPeakRSS()
            let epoch = try medianSeconds(repeats: 1) {
                _ = try rt.trainStep(x: tx, y: ty)
                _ = try InferencePlan(graph: resnet50).predict(vx)    // as `Trainer.evaluate` validates
            }
            let resnetPeak = peakRSSMegabytes()
            let tf: JSON? = skipReference ? nil
                : try TFReference.run(["train", "--model", "resnet50", "--batch", "32", "--images", "30", "--threads", "\(t)", "--repeats", "1"])
            report("resnet50 fine-tuning epoch, 30 images, threads \(t)", convscope: epoch, tf: tf?["median_s"]?.doubleValue)
            peakLine("resnet50 fine-tuning epoch, threads \(t)", ours: resnetPeak, theirs: tf?["peak_rss_mb"]?.doubleValue)
        }
    }

    /// Peak resident memory of this process since the last `resetPeakRSS` (the process as it stands,
    /// the model included) against the Keras process' VmHWM; the goal is a ratio ≤ 2.
    static func peakLine(_ what: String, ours: Double, theirs: Double?) {
        print(String(format: "peak memory, %@: ConvScope %.0f MB%@", what, ours,
                     theirs.map { String(format: "   Keras %.0f MB   ratio %.2f", $0, ours / $0) } ?? ""))
    }

    static func randomBatch(_ n: Int, _ shape: [Int], classes: Int) -> (Tensor, Tensor) {
        var rng = SeededRandom(seed: 9)
        var x = Tensor(zeros: [n] + shape)
        for i in x.data.indices { x.data[i] = rng.uniform() }
        var y = Tensor(zeros: [n, classes])
        for i in 0..<n { y.data[i * classes + Int(rng.next() % UInt64(classes))] = 1 }
        return (x, y)
    }
}
