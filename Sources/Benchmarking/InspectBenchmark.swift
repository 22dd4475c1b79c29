import Commands
import Foundation

/// `convscope bench inspect`: inspect of a Keras .h5 (metadata, and --weights statistics) against h5py walking the same file.
public enum InspectBenchmark {
    public static func compare(file: String, repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let meta = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: file, arch: nil, weights: false, tree: false, expandNested: false) }
        let full = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: file, arch: nil, weights: true, tree: false, expandNested: false) }
        let h5Meta = try TFReference.seconds(skip: skipReference, ["inspect-h5", "--file", file, "--repeats", "\(repeats)"])
        let h5Full = try TFReference.seconds(skip: skipReference, ["inspect-h5", "--file", file, "--weights", "--repeats", "\(repeats)"])
        report("inspect metadata (h5py walk)", convscope: meta, tf: h5Meta)
        report("inspect --weights (h5py + numpy stats)", convscope: full, tf: h5Full)
        print(String(format: "peak memory of this process: %.0f MB", peakRSSMegabytes()))
    }
}
