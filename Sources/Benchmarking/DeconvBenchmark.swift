import FastKernels
import Foundation
import Tensor
import Visualize
import Zoo

/// `convscope bench deconv`: DeconvNet projections of all 13 VGG16 convolutional layers for one image.
public enum DeconvBenchmark {
    public static func compare(threads: [Int], repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let graph = try Zoo.graph(named: "vgg16")
        ForwardBenchmark.randomizeWeights(graph)
        let projector = try FeatureProjector(graph: graph)
        let layers = graph.nodes.filter { $0.layer.role.isConvolution }.map(\.name)
        let x = ForwardBenchmark.randomInput([1, 224, 224, 3], seed: 3, scale: 256)
        for t in threads {
            Threading.set(t)
            OneDNN.setThreads(t)
            let s = try medianSeconds(repeats: repeats) { _ = try projector.project(x, layers: layers, rule: .deconvnet, seed: .activation) }
            let tf = try TFReference.seconds(skip: skipReference, ["deconv", "--model", "vgg16", "--threads", "\(t)", "--repeats", "\(repeats)"])
            report("vgg16 deconv 13 layers threads \(t)", convscope: s, tf: tf)
        }
    }
}
