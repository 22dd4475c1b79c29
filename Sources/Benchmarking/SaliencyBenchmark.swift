import FastKernels
import Foundation
import Tensor
import Visualize
import Zoo

/// `convscope bench saliency`: one gradient saliency map of ResNet50 (logit of the top class).
public enum SaliencyBenchmark {
    public static func compare(threads: [Int], repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let graph = try Zoo.graph(named: "resnet50")
        ForwardBenchmark.randomizeWeights(graph)
        let mapper = try SaliencyMapper(graph: graph)
        let x = ForwardBenchmark.randomInput([1, 224, 224, 3], seed: 3, scale: 256)
        for t in threads {
            Threading.set(t)
            OneDNN.setThreads(t)
            let s = try medianSeconds(repeats: repeats) { _ = try mapper.inputGradient(x, classIndex: 0, rule: .gradient) }
            let tf = try TFReference.seconds(skip: skipReference, ["saliency", "--model", "resnet50", "--threads", "\(t)", "--repeats", "\(repeats)"])
            report("resnet50 saliency threads \(t)", convscope: s, tf: tf)
        }
    }
}
