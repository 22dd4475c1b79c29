import FileSupport
import Foundation

/// Picks the OpenBLAS kernel by measurement. OpenBLAS chooses its kernel when the library loads,
/// from `OPENBLAS_CORETYPE` or its own CPU detection (which picks an older kernel on some CPUs).
/// `convscope bench blas` (Benchmarking's `BLASBenchmark`) times every candidate kernel in a child
/// process, checks its results with `productsAreCorrect`, and records the fastest correct one here;
/// at start-up `convscope` re-executes itself with that kernel — unless `OPENBLAS_CORETYPE` is
/// already set, which is always respected (some CPUs need it for correct results).
///
/// It lives beside `sgemm` because it is a kernel concern (which code runs every product), not a
/// benchmark: the start-up choice applies to every command.
public enum BLASCore {
    /// Kernels worth trying on x86-64 (those the CPU cannot run crash or fail the check in their child).
    public static let candidates = ["auto", "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Sandybridge", "Nehalem"]

    public static var cacheFile: URL {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/convscope/openblas-core")
    }

    /// The recorded choice for this CPU, if any ("auto" means OpenBLAS' own detection won).
    public static func recorded() -> String? {
        guard let s = try? String(contentsOf: cacheFile, encoding: .utf8) else { return nil }
        let parts = s.split(separator: "\t").map(String.init)
        guard parts.count == 2, parts[0] == cpuModel() else { return nil }
        return parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func record(_ core: String) throws {
        try FileManager.default.createDirectory(at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data: Data("\(cpuModel())\t\(core)\n".utf8), to: cacheFile)
    }

    public static func cpuModel() -> String {
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let line = s.split(separator: "\n").first { $0.hasPrefix("model name") } ?? "unknown"
        let flags = s.split(separator: "\n").first { $0.hasPrefix("flags") }.map { f in
            ["avx512f", "avx2", "fma"].filter { f.contains($0) }.joined(separator: ",")
        } ?? ""
        return String(line.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) + " [\(flags)]"
    }

    /// Call first thing in `main`: re-executes with the recorded kernel when it differs from the loaded one.
    public static func applyRecordedChoice() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["CONVSCOPE_BLAS_REEXEC"] == nil,
              let core = recorded(), core != "auto", core.lowercased() != Threading.blasCore.lowercased() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("CONVSCOPE_BLAS_REEXEC", "1", 1)
        var args = CommandLine.arguments.map { strdup($0) }
        args.append(nil)
        execv("/proc/self/exe", &args)
        // execv only returns on failure: carry on with the detected kernel.
    }

    /// Whether the loaded kernel's sgemm agrees with a naive product on awkward shapes.
    public static func productsAreCorrect() -> Bool {
        var rng = SeededRandom(seed: 11)
        for (m, n, k) in [(37, 29, 53), (128, 64, 27), (5, 300, 17)] {
            let a = (0..<(m * k)).map { _ in rng.normal() }, b = (0..<(k * n)).map { _ in rng.normal() }
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
            } } }
            let ref = ReferenceKernels.matmul(a, b, m: m, k: k, n: n)
            for i in c.indices where abs(c[i] - ref[i]) > 1e-3 * max(1, abs(ref[i])) { return false }
        }
        return true
    }
}
