import ArgumentParser
import Commands
import Foundation
import Tensor
import Zoo

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time forward passes of built-in models (random weights); `bench experiment` times experiment rounds.",
        subcommands: [BenchExperimentCommand.self])

    @Option(help: "Built-in models to time.") var arch: [String] = ["vgg16", "resnet50"]
    @Option(help: "Batch sizes.") var batch: [Int] = [1, 8]
    @Option(help: "Thread counts.") var threads: [Int] = [1, 2]
    @Option(help: "Timed runs per setting (median reported).") var repeats = 5
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try ConvScope.guarded {
            printError("OpenBLAS core: \(Threading.blasCore)")
            var results: [ForwardBenchmark.Result] = []
            for a in arch {
                let graph = try Zoo.graph(named: a)
                ForwardBenchmark.randomizeWeights(graph)
                let flops = ["vgg16": 30.95, "resnet50": 7.74][a]
                for b in batch { for t in threads {
                    let r = try ForwardBenchmark.run(graph: graph, batch: b, threads: t, repeats: repeats, gflopPerImage: flops)
                    results.append(r)
                    if !json {
                        print(String(format: "%-9@ batch %2d threads %d  %8.1f ms  %6.1f GFLOP/s  peak %6.0f MB",
                                     a as NSString, b, t, r.medianSeconds * 1000, r.gflops ?? 0, r.peakRSSMB))
                    }
                } }
            }
            if json { print(try JSONOutput.string(results)) }
        }
    }
}
