import FastKernels
import Foundation
import Tensor

/// The first line of every benchmark: which CPU ran it, its vector extensions, and the kernel every
/// matrix product used, so ratios from different machine kinds are never read as one.
public enum MachineHeader {
    /// Vector extensions that decide which kernels can run (as /proc/cpuinfo names them).
    static let extensions = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                             "avx512_bf16", "amx_tile"]

    /// The machine and the kernels in use, as a bench's `--json` carries them.
    public struct Info: Codable, Sendable {
        public let cpu: String
        public let cores: Int
        public let vectorExtensions: [String]
        /// OpenBLAS' kernel (matrix products of Dense layers and of every backward pass).
        public let openBLASCore: String
        /// The convolution backend of inference forward passes (`InferencePlan`), with the ISA it JITs for.
        public let inferenceConvolutions: String
        /// The convolution backend of recorded (backward, training) passes.
        public let gradientConvolutions: String
    }

    public static var info: Info {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = info.split(separator: "\n")
        func field(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key) }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        return Info(cpu: field("model name") ?? "unknown CPU", cores: ProcessInfo.processInfo.activeProcessorCount,
                    vectorExtensions: extensions.filter(flags.contains), openBLASCore: Threading.blasCore,
                    inferenceConvolutions: OneDNN.description + ", fused epilogues, activations in the layout oneDNN picks (NHWC brgconv on AVX-512, nChw8c on AVX2)",
                    gradientConvolutions: ConvolutionBackwardCache.path == .oneDNN
                        ? OneDNN.description + " backward-data/backward-weights, whole batch, NHWC"
                        : "im2col + OpenBLAS sgemm (CONVSCOPE_CONV_BACKWARD=im2col)")
    }

    public static var line: String {
        let i = info
        let vector = i.vectorExtensions.joined(separator: " ")
        return "CPU: \(i.cpu), \(i.cores) cores; vector extensions: \(vector.isEmpty ? "none listed" : vector); "
            + "OpenBLAS core: \(i.openBLASCore); inference convolutions: \(i.inferenceConvolutions); "
            + "backward convolutions: \(i.gradientConvolutions)"
    }
}
