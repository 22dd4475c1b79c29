import Foundation
import Tensor

/// The first line of every benchmark: which CPU ran it, its vector extensions, and the kernel every
/// matrix product used, so ratios from different machine kinds are never read as one.
public enum MachineHeader {
    /// Vector extensions that decide which kernels can run (as /proc/cpuinfo names them).
    static let extensions = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                             "avx512_bf16", "amx_tile"]

    public static var line: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = info.split(separator: "\n")
        func field(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key) }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let model = field("model name") ?? "unknown CPU"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let vector = extensions.filter(flags.contains).joined(separator: " ")
        return "CPU: \(model), \(cores) cores; vector extensions: \(vector.isEmpty ? "none listed" : vector); "
            + "OpenBLAS core: \(Threading.blasCore)"
    }
}
