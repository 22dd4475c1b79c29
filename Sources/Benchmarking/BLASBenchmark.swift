import Commands
import Foundation
import Graph
import Tensor

/// `convscope bench blas`: every candidate OpenBLAS kernel (`BLASCore.candidates`) probed in a child
/// process of this executable, the fastest correct one recorded for start-up.
public enum BLASBenchmark {
    /// One probe (run in a child process with OPENBLAS_CORETYPE set): checks sgemm against a naive
    /// product on awkward shapes, then times a convolution-sized product. Returns GFLOP/s, nil if wrong.
    public static func probe() -> (core: String, gflops: Double?) {
        guard BLASCore.productsAreCorrect() else { return (Threading.blasCore, nil) }
        let (m, n, k) = (3136, 256, 2304)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let seconds = medianSeconds(repeats: 3) {
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
            } } }
        }
        return (Threading.blasCore, 2.0 * Double(m * n * k) / seconds / 1e9)
    }

    /// The probe's one line of JSON, as the parent reads it.
    public static func probeLine() -> String {
        let (core, gflops) = probe()
        return "{\"core\": \"\(core)\", \"gflops\": \(gflops.map { String($0) } ?? "null")}"
    }

    /// Probes every candidate kernel in a child (`convscope bench blas --probe`), prints one line each,
    /// and records the fastest correct one unless `dryRun`.
    public static func run(dryRun: Bool) throws {
        print(MachineHeader.line)
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            print("OPENBLAS_CORETYPE=\(set) is set in the environment; it is respected and nothing is recorded.")
            return
        }
        print("CPU: \(BLASCore.cpuModel())")
        var best: (String, Double)?
        for candidate in BLASCore.candidates {
            var env = ["CONVSCOPE_BLAS_REEXEC": "1"]
            if candidate != "auto" { env["OPENBLAS_CORETYPE"] = candidate }
            let child = try ChildProcess.run(ChildProcess.thisExecutable, ["bench", "blas", "--probe"], environment: env)
            let j = child.status == 0 ? try? JSONParser().parse(String(decoding: child.output, as: UTF8.self)) : nil
            let core = j?["core"]?.stringValue ?? "?"
            if let g = j?["gflops"]?.doubleValue {
                print(String(format: "%-16@ loads kernel %-14@ %7.1f GFLOP/s, results correct", candidate as NSString, core as NSString, g))
                if best == nil || g > best!.1 * 1.03 { best = (candidate, g) }
            } else {
                print(String(format: "%-16@ %@", candidate as NSString, child.status == 0 ? "wrong results" : "crashed (exit \(child.status))"))
            }
        }
        guard let (choice, g) = best else { throw CommandError("no OpenBLAS kernel gave correct results") }
        print(String(format: "fastest correct: %@ (%.1f GFLOP/s)", choice, g))
        if !dryRun {
            try BLASCore.record(choice)
            print("recorded in \(BLASCore.cacheFile.path); convscope uses it from now on")
        }
    }
}
