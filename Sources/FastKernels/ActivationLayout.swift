import CDNNL
import Foundation

/// Which memory layout a oneDNN step keeps its activations in.
public enum ActivationLayoutChoice: Sendable {
    /// NHWC, Keras' own layout: a `Tensor`'s data as it is.
    case nhwc
    /// Whatever oneDNN's fastest implementation for the shape asks for (`dnnl_format_tag_any`): measured
    /// on oneDNN 2.6, AVX-512 picks its NHWC `brgconv` kernels (the blocked `jit:avx512_core` ones were
    /// 0.9–2× their time on VGG16's shapes), AVX2 the blocked `nChw8c` `jit:avx2` ones.
    case oneDNNChoice
}

/// The layout of an activation (N, C, H, W) in memory, as oneDNN describes it: NHWC or a blocked
/// `nChw8c`/`nChw16c` (channels padded to the block).
public struct OneDNNLayout: Equatable, @unchecked Sendable {
    var desc: dnnl_memory_desc_t

    init(_ desc: dnnl_memory_desc_t) { self.desc = desc }

    /// NHWC for (batch, channels, height, width).
    public static func nhwc(batch: Int, channels: Int, height: Int, width: Int) throws -> OneDNNLayout {
        var d = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&d, 4, dims([batch, channels, height, width]), dnnl_f32, dnnl_nhwc), "NHWC layout")
        return OneDNNLayout(d)
    }

    /// Bytes one activation takes in this layout (channel blocks padded).
    public var bytes: Int { withUnsafePointer(to: desc) { dnnl_memory_desc_get_size($0) } }

    /// Whether this is NHWC (a `Tensor`'s data as it is).
    public var isNHWC: Bool {
        guard let n = try? Self.nhwc(batch: Int(desc.dims.0), channels: Int(desc.dims.1), height: Int(desc.dims.2), width: Int(desc.dims.3))
        else { return false }
        return self == n
    }

    public static func == (a: OneDNNLayout, b: OneDNNLayout) -> Bool {
        withUnsafePointer(to: a.desc) { pa in withUnsafePointer(to: b.desc) { pb in dnnl_memory_desc_equal(pa, pb) != 0 } }
    }
}

/// A oneDNN reorder of one activation between two layouts of the same (N, C, H, W): the plan's edges
/// (NHWC ↔ blocked) and a residual whose layout differs from the convolution's output.
public final class LayoutReorder: @unchecked Sendable {
    public let from: OneDNNLayout, to: OneDNNLayout
    private let primitive: dnnl_primitive_t
    private let source: dnnl_memory_t, destination: dnnl_memory_t

    public init(from: OneDNNLayout, to: OneDNNLayout) throws {
        self.from = from; self.to = to
        let (engine, _) = try OneDNN.engineAndStream()
        var f = from.desc, t = to.desc
        var pd: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_reorder_primitive_desc_create(&pd, &f, engine, &t, engine, nil), "activation reorder")
        defer { dnnl_primitive_desc_destroy(pd) }
        var r: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&r, pd), "activation reorder primitive")
        primitive = r!
        var s: dnnl_memory_t?, d: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&s, &f, engine, nil), "reorder source memory")
        try OneDNN.check(dnnl_memory_create(&d, &t, engine, nil), "reorder destination memory")
        source = s!; destination = d!
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_memory_destroy(source)
        dnnl_memory_destroy(destination)
    }

    /// y = x in `to`'s layout.
    public func run(_ x: UnsafeRawPointer, _ y: UnsafeMutableRawPointer) throws {
        let (_, stream) = try OneDNN.engineAndStream()
        try OneDNN.check(dnnl_memory_set_data_handle(source, UnsafeMutableRawPointer(mutating: x)), "reorder source")
        try OneDNN.check(dnnl_memory_set_data_handle(destination, y), "reorder destination")
        var args = [dnnl_exec_arg_t(arg: convscope_dnnl_arg_from(), memory: source),
                    dnnl_exec_arg_t(arg: convscope_dnnl_arg_to(), memory: destination)]
        try OneDNN.check(dnnl_primitive_execute(primitive, stream, 2, &args), "running a reorder")
        try OneDNN.check(dnnl_stream_wait(stream), "waiting for a reorder")
    }
}
