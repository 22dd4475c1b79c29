import CDNNL
import Failure
import Foundation

/// oneDNN (the library OpenVINO and onnxruntime's CPU provider are built on), wrapped once: the CPU
/// engine, the one in-order stream, thread count and status checks. oneDNN picks its JIT kernels
/// (SSE4.1 … AVX2 … AVX-512, AMX) from the CPU itself at first use; `isa` says which it chose.
public enum OneDNN {
    nonisolated(unsafe) private static var handles: (engine: dnnl_engine_t, stream: dnnl_stream_t)?
    private static let lock = NSLock()

    /// The CPU engine and its stream, created on first use.
    static func engineAndStream() throws -> (engine: dnnl_engine_t, stream: dnnl_stream_t) {
        lock.lock(); defer { lock.unlock() }
        if let handles { return handles }
        var engine: dnnl_engine_t?
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "creating a stream")
        handles = (engine!, stream!)
        return handles!
    }

    /// Worker threads of every oneDNN primitive (the Debian build runs on OpenMP). `OMP_NUM_THREADS`, when
    /// set, caps them (as `OPENBLAS_NUM_THREADS` caps OpenBLAS): ThreadSanitizer cannot see OpenMP's barriers,
    /// so Tests/sanitizers.sh runs oneDNN on one thread.
    public static func setThreads(_ n: Int) {
        let cap = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"].flatMap { Int($0) }.map { max(1, $0) } ?? Int.max
        omp_set_num_threads(Int32(min(max(1, n), cap)))
    }

    /// What OpenMP must find in the environment when it loads (before `main`: `convscope` re-executes
    /// itself once with it, beside the OpenBLAS kernel choice). Passive waiting: OpenMP's workers sleep at
    /// the end of a parallel region instead of spinning, which OpenBLAS' threads and any other process on
    /// the machine would otherwise fight. Measured on a quiet 2-core AMD EPYC (AVX-512), ResNet50 through the
    /// inference plan: 2 threads, batch 1, 51.5 ms spinning vs 42.7 ms passive; batch 8 383 vs 357 ms;
    /// 1 thread unchanged; with another process busy, 361 vs 84 ms.
    public static let loadTimeEnvironment = ["OMP_WAIT_POLICY": "PASSIVE"]

    /// The instruction set oneDNN's kernels use on this CPU ("avx512_core", "avx2", …).
    public static var isa: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "isa \(dnnl_get_effective_cpu_isa().rawValue)"
        }
    }

    /// "oneDNN 2.6.3 (avx512_core)".
    public static var description: String {
        guard let v = dnnl_version()?.pointee else { return "oneDNN" }
        return "oneDNN \(v.major).\(v.minor).\(v.patch) (\(isa))"
    }

    /// The primitive of an operation descriptor, with oneDNN's name for the implementation it chose
    /// ("brg:avx512_core", "jit:avx2" …) and its primitive descriptor, which the caller destroys.
    static func primitive<Descriptor>(_ desc: inout Descriptor, attributes: dnnl_primitive_attr_t?, _ what: String) throws
        -> (primitive: dnnl_primitive_t, descriptor: dnnl_primitive_desc_t, implementation: String) {
        let (engine, _) = try engineAndStream()
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { try check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer($0), attributes, engine, nil), what) }
        var impl: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl)
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            throw OneDNNError(what: what + " (primitive)", status: status)
        }
        return (p, pd!, impl.map { String(cString: $0) } ?? "unknown")
    }

    static func check(_ status: dnnl_status_t, _ what: String) throws {
        guard status == dnnl_success else { throw OneDNNError(what: what, status: status) }
    }
}

/// A oneDNN call that failed: which call, and oneDNN's status.
public struct OneDNNError: ConvScopeFailure {
    public let what: String
    public let status: dnnl_status_t
    public var description: String {
        let reason: String
        switch status {
        case dnnl_out_of_memory: reason = "out of memory"
        case dnnl_invalid_arguments: reason = "invalid arguments"
        case dnnl_unimplemented: reason = "no implementation for these shapes"
        default: reason = "status \(status.rawValue)"
        }
        return "oneDNN: \(what): \(reason)"
    }
}

/// oneDNN's dims array (12 entries) from the first few.
func dims(_ values: [Int]) -> [Int64] {
    var d = [Int64](repeating: 0, count: 12)
    for (i, v) in values.enumerated() { d[i] = Int64(v) }
    return d
}
