import FastKernels
import Foundation
import Tensor
import Visualize
import Zoo

/// `convscope bench maximize`: one Algorithm-1 step (forward + backward to the input) and a 20-step run.
public enum MaximizeBenchmark {
    public static func compare(archs: [String], threads: [Int], repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        for a in archs {
            let graph = try Zoo.graph(named: a)
            ForwardBenchmark.randomizeWeights(graph)
            let m = try ActivationMaximizer(graph: graph, target: .classScore(284, probability: false))
            let start = m.paperStart(seed: 1)
            for t in threads {
                Threading.set(t)
                OneDNN.setThreads(t)
                let step = try medianSeconds(repeats: repeats) { _ = try m.objectiveAndGradient(start) }
                var settings = MaximizationSettings()
                settings.steps = 20
                let full = try medianSeconds(repeats: 1) { _ = try m.run(from: start, settings: settings) }
                var tfStep: Double?, tfRun: Double?
                if !skipReference {
                    let j = try TFReference.run(["maxstep", "--model", a, "--steps", "20", "--threads", "\(t)", "--repeats", "\(repeats)"])
                    tfStep = j["step_median_s"]?.doubleValue
                    tfRun = j["run_median_s"]?.doubleValue
                }
                report("\(a) maximize step threads \(t)", convscope: step, tf: tfStep)
                report("\(a) maximize 20 steps threads \(t)", convscope: full, tf: tfRun)
            }
        }
    }
}
