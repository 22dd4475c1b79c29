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
    /// With nothing recorded for this CPU, the first command does not wait for `convscope bench blas`: when
    /// OpenBLAS' own detection fell back to an older kernel than the CPU's flags allow (OpenBLAS 0.3.21
    /// takes some AVX-512 Xeons for `Prescott`), it re-executes with the kernel those flags name
    /// (`guessedCore`), checks that kernel's products in the new process and records it — or, should they be
    /// wrong, records "auto" and goes back to OpenBLAS' detection.
    ///
    /// `alsoSet`: further variables libraries read only when they load (OpenMP's `OMP_WAIT_POLICY`), set
    /// where the environment does not already have them, in the same single re-execution.
    public static func applyRecordedChoice(alsoSet extra: [String: String] = [:]) {
        let env = ProcessInfo.processInfo.environment
        if env["CONVSCOPE_BLAS_REEXEC"] == "guess", let core = env["OPENBLAS_CORETYPE"] {
            if productsAreCorrect() { try? record(core) } else {
                try? record("auto")
                unsetenv("OPENBLAS_CORETYPE")
                reexec(marker: "1")
            }
            return
        }
        guard env["CONVSCOPE_BLAS_REEXEC"] == nil else { return }
        var marker: String?
        for (name, value) in extra where env[name] == nil {
            setenv(name, value, 1)
            marker = "1"
        }
        if env["OPENBLAS_CORETYPE"] == nil {
            if let core = recorded() {
                if core != "auto", core.lowercased() != Threading.blasCore.lowercased() {
                    setenv("OPENBLAS_CORETYPE", core, 1)
                    marker = "1"
                }
            } else if let guess = guessedCore(flags: cpuFlags(), detected: Threading.blasCore) {
                setenv("OPENBLAS_CORETYPE", guess, 1)
                marker = "guess"
            }
        }
        if let marker { reexec(marker: marker) }
    }

    /// The kernel a CPU's flags call for when OpenBLAS detected an older one; nil when its detection is as
    /// new as the flags allow (or the CPU has neither AVX2 nor AVX-512).
    public static func guessedCore(flags: Set<String>, detected: String) -> String? {
        let avx512 = ["skylakex", "cooperlake", "sapphirerapids"], avx2 = ["haswell", "zen"] + avx512
        let d = detected.lowercased()
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) {
            return avx512.contains(d) ? nil : (flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX")
        }
        if flags.isSuperset(of: ["avx2", "fma"]) { return avx2.contains(d) ? nil : "Haswell" }
        return nil
    }

    /// The CPU's feature flags (/proc/cpuinfo).
    static func cpuFlags() -> Set<String> {
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// Runs this command again in a process that loads OpenBLAS with `OPENBLAS_CORETYPE` as now set.
    private static func reexec(marker: String) {
        setenv("CONVSCOPE_BLAS_REEXEC", marker, 1)
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
