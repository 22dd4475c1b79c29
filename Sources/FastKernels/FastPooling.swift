import CDNNL
import Tensor

/// A 2-D max or average pooling through oneDNN's JIT pooling (forward inference), for a fixed batch and
/// geometry: x (N, H, W, C) → y (N, outH, outW, C), both NHWC. TensorFlow's padding is oneDNN's
/// left/right padding: "same" pads the bottom/right more, padded positions never win a maximum and never
/// count in an average (TensorFlow's and oneDNN's `avg_exclude_padding`); "valid" windows that leave
/// input rows or columns unread get a negative right padding. The layers' own forward
/// (`WindowMaximum`, `WindowMean`) is the naive reference the tests hold it to.
public final class FastPooling: @unchecked Sendable {
    public enum Kind: Sendable { case maximum, average }

    public let geometry: ConvGeometry
    public let batch: Int
    public let kind: Kind
    private let primitive: dnnl_primitive_t
    private let src: dnnl_memory_t, dst: dnnl_memory_t
    /// The oneDNN implementation chosen ("jit:avx512_core", "simple_nhwc:any" …).
    public let implementation: String

    public init(kind: Kind, geometry g: ConvGeometry, batch: Int) throws {
        geometry = g; self.batch = batch; self.kind = kind
        let (engine, _) = try OneDNN.engineAndStream()
        var srcMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&srcMD, 4, dims([batch, g.channels, g.inH, g.inW]), dnnl_f32, dnnl_nhwc), "pooling source layout")
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&dstMD, 4, dims([batch, g.channels, g.outH, g.outW]), dnnl_f32, dnnl_nhwc), "pooling destination layout")
        let padBottom = (g.outH - 1) * g.strideH + g.kH - g.inH - g.padTop
        let padRight = (g.outW - 1) * g.strideW + g.kW - g.inW - g.padLeft
        var desc = dnnl_pooling_v2_desc_t()
        try OneDNN.check(dnnl_pooling_v2_forward_desc_init(
            &desc, dnnl_forward_inference, kind == .maximum ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding,
            &srcMD, &dstMD, dims([g.strideH, g.strideW]), dims([g.kH, g.kW]), dims([0, 0]),
            dims([g.padTop, g.padLeft]), dims([padBottom, padRight])), "pooling \(g)")
        let made = try OneDNN.primitive(&desc, attributes: nil, "pooling \(g), batch \(batch)")
        dnnl_primitive_desc_destroy(made.descriptor)
        primitive = made.primitive
        implementation = made.implementation
        var s: dnnl_memory_t?, d: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&s, &srcMD, engine, nil), "pooling source memory")
        try OneDNN.check(dnnl_memory_create(&d, &dstMD, engine, nil), "pooling destination memory")
        src = s!; dst = d!
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_memory_destroy(src)
        dnnl_memory_destroy(dst)
    }

    /// y = pool(x). x: N·H·W·C values, y: N·outH·outW·C.
    public func run(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) throws {
        let (_, stream) = try OneDNN.engineAndStream()
        try OneDNN.check(dnnl_memory_set_data_handle(src, UnsafeMutableRawPointer(mutating: x)), "pooling source")
        try OneDNN.check(dnnl_memory_set_data_handle(dst, y), "pooling destination")
        var args = [dnnl_exec_arg_t(arg: convscope_dnnl_arg_src(), memory: src), dnnl_exec_arg_t(arg: convscope_dnnl_arg_dst(), memory: dst)]
        try OneDNN.check(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "running a pooling")
        try OneDNN.check(dnnl_stream_wait(stream), "waiting for a pooling")
    }

    /// The pooling of a whole tensor: x (N, H, W, C) → (N, outH, outW, C).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        precondition(x.count == batch * geometry.inH * geometry.inW * geometry.channels, "FastPooling: input \(x.shape)")
        let shape = [batch, geometry.outH, geometry.outW, geometry.channels], count = shape.reduce(1, *)
        var y = Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: count) { _, n in n = count })
        try x.data.withUnsafeBufferPointer { xp in
            try y.data.withUnsafeMutableBufferPointer { yp in try run(xp.baseAddress!, yp.baseAddress!) }
        }
        return y
    }
}
