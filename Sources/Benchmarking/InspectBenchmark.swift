import Commands
import Foundation

/// `convscope bench inspect`: inspect of a Keras .h5 (metadata, and --weights statistics) against h5py walking the same file.
public enum InspectBenchmark {
    /// `metadataOnly`: only the in-process metadata line (quick, and a loop to profile).
    public static func compare(file: String, repeats: Int, skipReference: Bool, metadataOnly: Bool = false) throws {
        print(MachineHeader.line)
        try measure(path: file, reference: "inspect-h5", what: "", repeats: repeats, skipReference: skipReference, metadataOnly: metadataOnly)
    }

    /// Times `inspect` of `path` (metadata, then --weights) against `tf_reference.py REFERENCE` on the same file(s), then
    /// `convscope inspect` as a whole process against a Python process that imports h5py and walks the same file(s).
    static func measure(path: String, reference: String, what: String, repeats: Int, skipReference: Bool, metadataOnly: Bool = false) throws {
        let meta = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: path, arch: nil, weights: false, tree: false, expandNested: false) }
        if metadataOnly {
            let h5Meta = try TFReference.seconds(skip: skipReference, [reference, "--file", path, "--repeats", "\(repeats)"])
            report("inspect \(what)metadata (h5py walk)", convscope: meta, tf: h5Meta)
            return
        }
        let full = try medianSeconds(repeats: repeats) { _ = try Inspect.run(path: path, arch: nil, weights: true, tree: false, expandNested: false) }
        let h5Meta = try TFReference.seconds(skip: skipReference, [reference, "--file", path, "--repeats", "\(repeats)"])
        let h5Full = try TFReference.seconds(skip: skipReference, [reference, "--file", path, "--weights", "--repeats", "\(repeats)"])
        report("inspect \(what)metadata (h5py walk)", convscope: meta, tf: h5Meta)
        report("inspect \(what)--weights (h5py + numpy stats)", convscope: full, tf: h5Full)
        // The whole command as a user runs it: process start, the isolated structure read, the report, exit.
        let process = try ChildProcess.medianSeconds(of: ["inspect", path], repeats: repeats)
        let h5Process = try TFReference.seconds("process_median_s", skip: skipReference, ["inspect-h5-process", "--file", path, "--repeats", "\(repeats)"])
        report("inspect \(what)metadata, whole process (convscope inspect vs a python h5py script)", convscope: process, tf: h5Process)
        print(String(format: "peak memory of this process: %.0f MB", peakRSSMegabytes()))
    }
}
