import CDNNL
import Tensor

/// A 2-D max or average pooling through oneDNN's JIT pooling (forward inference), for a fixed batch and
/// geometry: x (N, H, W, C) → y (N, outH, outW, C), both NHWC. TensorFlow's padding is oneDNN's
/// left/right padding: "same" pads the bottom/right more, padded positions never win a maximum and never
/// count in an average (TensorFlow's and oneDNN's `avg_exclude_padding`); "valid" windows that leave
/// input rows or columns unread get a negative right padding. The layers' own forward
/// (`WindowMaximum`, `WindowMean`) is the naive reference the tests hold it to.
///
/// A Keras `ZeroPadding2D` right before the pooling can fold into it as more left/right padding
/// (`zeroPadding`, only where `folds` says the result is exact): x is then the unpadded input.
public final class FastPooling: @unchecked Sendable {
    public enum Kind: Sendable { case maximum, average }

    public let geometry: ConvGeometry
    public let batch: Int
    public let kind: Kind
    private let primitive: dnnl_primitive_t
    private let src: dnnl_memory_t, dst: dnnl_memory_t
    /// The oneDNN implementation chosen ("jit:avx512_core", "simple_nhwc:any" …).
    public let implementation: String

    /// The zero padding folded in: top, bottom, left, right (Keras `ZeroPadding2D`'s order).
    public let zeroPadding: [Int]
    /// The layouts x and y are in: NHWC, or the `source` layout asked for and the one oneDNN chose for y.
    public let sourceLayout: OneDNNLayout, destinationLayout: OneDNNLayout

    /// `geometry` is the pooling's over the zero-padded input; x has `zeroPadding` fewer rows and columns.
    /// `source`: the layout x comes in (a blocked one from the convolution before); nil for NHWC.
    public init(kind: Kind, geometry g: ConvGeometry, batch: Int, zeroPadding: [Int] = [0, 0, 0, 0], source: OneDNNLayout? = nil) throws {
        precondition(zeroPadding == [0, 0, 0, 0] || Self.folds(zeroPadding: zeroPadding, kind: kind, geometry: g, nonNegative: true),
                     "FastPooling: zero padding \(zeroPadding) does not fold into \(g)")
        geometry = g; self.batch = batch; self.kind = kind; self.zeroPadding = zeroPadding
        let (engine, _) = try OneDNN.engineAndStream()
        let z = zeroPadding, inH = g.inH - z[0] - z[1], inW = g.inW - z[2] - z[3]
        var srcMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t()
        if let source {
            precondition(Array([source.desc.dims.0, source.desc.dims.1, source.desc.dims.2, source.desc.dims.3]) == [batch, g.channels, inH, inW].map(Int64.init),
                         "FastPooling: source layout of another shape")
            srcMD = source.desc
        } else {
            try OneDNN.check(dnnl_memory_desc_init_by_tag(&srcMD, 4, dims([batch, g.channels, inH, inW]), dnnl_f32, dnnl_nhwc), "pooling source layout")
        }
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&dstMD, 4, dims([batch, g.channels, g.outH, g.outW]), dnnl_f32,
                                                      source == nil ? dnnl_nhwc : dnnl_format_tag_any), "pooling destination layout")
        let pads = Self.pads(g)
        // Zeros counted in an average are oneDNN's included padding; a maximum over non-negative values
        // that reads one of them in every window ignores zeros and -∞ padding alike (`folds`).
        let average = z == [0, 0, 0, 0] ? dnnl_pooling_avg_exclude_padding : dnnl_pooling_avg_include_padding
        var desc = dnnl_pooling_v2_desc_t()
        try OneDNN.check(dnnl_pooling_v2_forward_desc_init(
            &desc, dnnl_forward_inference, kind == .maximum ? dnnl_pooling_max : average,
            &srcMD, &dstMD, dims([g.strideH, g.strideW]), dims([g.kH, g.kW]), dims([0, 0]),
            dims([pads.top + z[0], pads.left + z[2]]), dims([pads.bottom + z[1], pads.right + z[3]])), "pooling \(g)")
        let made = try OneDNN.primitive(&desc, attributes: nil, "pooling \(g), batch \(batch)")
        primitive = made.primitive
        implementation = made.implementation
        dstMD = dnnl_primitive_desc_query_md(made.descriptor, dnnl_query_dst_md, 0)!.pointee
        dnnl_primitive_desc_destroy(made.descriptor)
        sourceLayout = OneDNNLayout(srcMD); destinationLayout = OneDNNLayout(dstMD)
        var s: dnnl_memory_t?, d: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&s, &srcMD, engine, nil), "pooling source memory")
        try OneDNN.check(dnnl_memory_create(&d, &dstMD, engine, nil), "pooling destination memory")
        src = s!; dst = d!
    }

    /// The pooling's own padding on each side (negative: rows or columns a "valid" pooling leaves unread).
    static func pads(_ g: ConvGeometry) -> (top: Int, bottom: Int, left: Int, right: Int) {
        (g.padTop, (g.outH - 1) * g.strideH + g.kH - g.inH - g.padTop, g.padLeft, (g.outW - 1) * g.strideW + g.kW - g.inW - g.padLeft)
    }

    /// Whether a zero padding (top, bottom, left, right) before a pooling of geometry `g` (over the padded
    /// input) folds into oneDNN's pooling exactly. Average: only when the pooling pads nothing itself (every
    /// window then lies in the padded input and divides by its full size, as oneDNN's include-padding mode).
    /// Maximum: only over `nonNegative` input, and when every window reads at least one real element (its
    /// maximum is then ≥ 0 and the zeros never win). Either way every padding stays below the window.
    public static func folds(zeroPadding z: [Int], kind: Kind, geometry g: ConvGeometry, nonNegative: Bool) -> Bool {
        guard z.count == 4, z.allSatisfy({ $0 >= 0 }), g.dilationH == 1, g.dilationW == 1 else { return false }
        let p = pads(g)
        let inH = g.inH - z[0] - z[1], inW = g.inW - z[2] - z[3]
        guard inH > 0, inW > 0, p.top + z[0] < g.kH, p.bottom + z[1] < g.kH, p.left + z[2] < g.kW, p.right + z[3] < g.kW else { return false }
        switch kind {
        case .average:
            return p.top == 0 && p.left == 0 && p.bottom <= 0 && p.right <= 0
        case .maximum:
            // Window o covers unpadded rows [o·s − top, o·s − top + k): it must meet [0, in).
            func everyWindowReads(_ out: Int, _ stride: Int, _ k: Int, _ before: Int, _ size: Int) -> Bool {
                (0..<out).allSatisfy { o in let start = o * stride - before; return start < size && start + k > 0 }
            }
            return nonNegative && everyWindowReads(g.outH, g.strideH, g.kH, p.top + z[0], inH)
                && everyWindowReads(g.outW, g.strideW, g.kW, p.left + z[2], inW)
        }
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_memory_destroy(src)
        dnnl_memory_destroy(dst)
    }

    /// y = pool(x). x: N·H·W·C values (H, W without `zeroPadding`), y: N·outH·outW·C.
    public func run(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) throws {
        let (_, stream) = try OneDNN.engineAndStream()
        try OneDNN.check(dnnl_memory_set_data_handle(src, UnsafeMutableRawPointer(mutating: x)), "pooling source")
        try OneDNN.check(dnnl_memory_set_data_handle(dst, y), "pooling destination")
        var args = [dnnl_exec_arg_t(arg: convscope_dnnl_arg_src(), memory: src), dnnl_exec_arg_t(arg: convscope_dnnl_arg_dst(), memory: dst)]
        try OneDNN.check(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "running a pooling")
        try OneDNN.check(dnnl_stream_wait(stream), "waiting for a pooling")
    }

    /// The pooling of a whole tensor: x (N, H, W, C), H and W without `zeroPadding` → (N, outH, outW, C).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let z = zeroPadding
        precondition(x.count == batch * (geometry.inH - z[0] - z[1]) * (geometry.inW - z[2] - z[3]) * geometry.channels, "FastPooling: input \(x.shape)")
        precondition(sourceLayout.isNHWC && destinationLayout.isNHWC, "FastPooling: a tensor is NHWC")
        let shape = [batch, geometry.outH, geometry.outW, geometry.channels], count = shape.reduce(1, *)
        var y = Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: count) { _, n in n = count })
        try x.data.withUnsafeBufferPointer { xp in
            try y.data.withUnsafeMutableBufferPointer { yp in try run(xp.baseAddress!, yp.baseAddress!) }
        }
        return y
    }
}
