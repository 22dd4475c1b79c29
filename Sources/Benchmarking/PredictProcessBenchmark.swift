import Commands
import Foundation
import Graph
import Imaging
import Tensor
import Zoo

/// `convscope bench predict-process`: `convscope predict` of VGG16 on one image as a whole process
/// (decode, preprocess, load weights, forward) against a Keras script doing the same; then the peak
/// memory of those processes (ours: one more child's wait4 ru_maxrss; Keras: its VmHWM), and of
/// `convscope predict` on a batch of 8 (random .npy), each against `MemoryBudget`'s bound.
public enum PredictProcessBenchmark {
    public static func compare(model: String, image: String, repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let seconds = try ChildProcess.medianSeconds(of: ["predict", model, image], repeats: repeats)
        let peak1 = try peak(["predict", model, image])
        let ref: JSON? = skipReference ? nil
            : try TFReference.run(["predict-process", "--image", image, "--weights", model, "--repeats", "\(repeats)"])
        report("predict VGG16, one image, whole process", convscope: seconds, tf: ref?["process_median_s"]?.doubleValue)
        let vgg16 = try Zoo.graph(named: "vgg16")
        if let theirs = ref?["peak_rss_mb"]?.doubleValue {
            print(String(format: "peak memory, predict VGG16 one image: ConvScope %.0f MB   Keras %.0f MB   ratio %.2f", peak1, theirs, peak1 / theirs))
        }
        print(MemoryBudget.forward(vgg16, batch: 1).line("memory bound, predict VGG16 batch 1", peakMB: peak1))
        // Batch 8 from a .npy (children's maximum only grows, and batch 8 needs more than batch 1).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = dir.appendingPathComponent("batch8.npy").path
        var rng = SeededRandom(seed: 8)
        var x = Tensor(zeros: [8, 224, 224, 3])
        for i in x.data.indices { x.data[i] = rng.uniform() * 255 - 128 }
        try NPY.write(x, to: batch)
        print(MemoryBudget.forward(vgg16, batch: 8).line("memory bound, predict VGG16 batch 8", peakMB: try peak(["predict", model, batch])))
    }

    /// Peak resident MB of one `convscope ARGUMENTS` process; a failing run throws.
    static func peak(_ arguments: [String]) throws -> Double {
        let child = try ChildProcess.peakMegabytes(ChildProcess.thisExecutable, arguments)
        guard child.status == 0 else { throw CommandError("convscope \(arguments.joined(separator: " ")) failed (exit \(child.status))") }
        return child.peakMB
    }
}
