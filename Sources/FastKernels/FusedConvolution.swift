import CDNNL
import Tensor

/// What runs after a convolution's products, in its epilogue, in this order: + bias, + the value
/// already in the output (`sum`: ResNet's residual `Add`), then ReLU.
public struct ConvolutionEpilogue: Equatable, Sendable {
    public var bias: [Float]?
    public var sum: Bool
    public var relu: Bool
    public init(bias: [Float]?, sum: Bool = false, relu: Bool = false) {
        self.bias = bias
        self.sum = sum
        self.relu = relu
    }
}

/// A 2-D cross-correlation through oneDNN's JIT convolution with its epilogue fused, for a fixed batch
/// and geometry: x (N, H, W, Cin) → y (N, outH, outW, Cout), both NHWC (Keras' layout, so nothing is
/// converted between layers); the kernel (kh, kw, Cin/G, Cout) is reordered once into the blocked
/// layout oneDNN's kernel wants. TensorFlow's asymmetric "same" padding is oneDNN's left/right padding.
/// `ReferenceKernels.conv2d` is the naive reference the tests hold it to.
public final class FusedConvolution: @unchecked Sendable {
    public let geometry: ConvGeometry
    public let batch: Int
    public let filters: Int
    public let groups: Int
    public let epilogue: ConvolutionEpilogue
    private let primitive: dnnl_primitive_t
    private let src: dnnl_memory_t, dst: dnnl_memory_t, weights: dnnl_memory_t
    private let bias: dnnl_memory_t?
    private var biasValues: [Float]

    /// The oneDNN implementation chosen ("brg:avx512_core", "jit:avx2" …).
    public let implementation: String
    /// The layouts x and y are in (NHWC unless made with `.oneDNNChoice`).
    public let sourceLayout: OneDNNLayout, destinationLayout: OneDNNLayout
    /// The zero padding folded in: top, bottom, left, right (Keras `ZeroPadding2D`'s order).
    public let zeroPadding: [Int]

    /// `geometry` is the convolution's over the zero-padded input; x has `zeroPadding` fewer rows and
    /// columns (a `ZeroPadding2D` before a convolution is more of the convolution's own zero padding).
    public init(geometry g: ConvGeometry, batch: Int, kernel: [Float], filters: Int, groups: Int = 1,
                epilogue: ConvolutionEpilogue, layout: ActivationLayoutChoice = .nhwc, zeroPadding: [Int] = [0, 0, 0, 0]) throws {
        precondition(kernel.count == g.kH * g.kW * (g.channels / groups) * filters, "FusedConvolution: kernel size")
        precondition(zeroPadding.count == 4 && zeroPadding.allSatisfy { $0 >= 0 }, "FusedConvolution: zero padding \(zeroPadding)")
        geometry = g; self.batch = batch; self.filters = filters; self.groups = groups; self.epilogue = epilogue
        self.zeroPadding = zeroPadding
        biasValues = epilogue.bias ?? []
        let (engine, _) = try OneDNN.engineAndStream()
        let cin = g.channels, cig = cin / groups, fg = filters / groups
        let z = zeroPadding, inH = g.inH - z[0] - z[1], inW = g.inW - z[2] - z[3]
        let tag = layout == .nhwc ? dnnl_nhwc : dnnl_format_tag_any
        var srcMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t(), anyWeightsMD = dnnl_memory_desc_t()
        var biasMD = dnnl_memory_desc_t(), userWeightsMD = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&srcMD, 4, dims([batch, cin, inH, inW]), dnnl_f32, tag), "source layout")
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&dstMD, 4, dims([batch, filters, g.outH, g.outW]), dnnl_f32, tag), "destination layout")
        // Keras' kernel (kh, kw, Cin/G, G·Cout/G) seen as oneDNN's (G, O, I, H, W) by its strides.
        let kStrides = [fg, 1, filters, g.kW * cig * filters, cig * filters]
        if groups == 1 {
            try OneDNN.check(dnnl_memory_desc_init_by_tag(&anyWeightsMD, 4, dims([filters, cin, g.kH, g.kW]), dnnl_f32, dnnl_format_tag_any), "weights layout")
            try OneDNN.check(dnnl_memory_desc_init_by_strides(&userWeightsMD, 4, dims([filters, cin, g.kH, g.kW]), dnnl_f32,
                                                              dims(Array(kStrides.dropFirst()))), "Keras kernel layout")
        } else {
            try OneDNN.check(dnnl_memory_desc_init_by_tag(&anyWeightsMD, 5, dims([groups, fg, cig, g.kH, g.kW]), dnnl_f32, dnnl_format_tag_any), "weights layout")
            try OneDNN.check(dnnl_memory_desc_init_by_strides(&userWeightsMD, 5, dims([groups, fg, cig, g.kH, g.kW]), dnnl_f32,
                                                              dims(kStrides)), "Keras kernel layout")
        }
        if epilogue.bias != nil {
            try OneDNN.check(dnnl_memory_desc_init_by_tag(&biasMD, 1, dims([filters]), dnnl_f32, dnnl_a), "bias layout")
        }
        // Padding: TensorFlow's top/left, and whatever makes oneDNN's output size match at the bottom/right
        // (negative where "valid" leaves input rows unread).
        let effH = (g.kH - 1) * g.dilationH + 1, effW = (g.kW - 1) * g.dilationW + 1
        let padBottom = (g.outH - 1) * g.strideH + effH - g.inH - g.padTop + z[1]
        let padRight = (g.outW - 1) * g.strideW + effW - g.inW - g.padLeft + z[3]
        var desc = dnnl_convolution_desc_t()
        let hasBias = epilogue.bias != nil
        try withUnsafePointer(to: &biasMD) { biasPointer in
            try OneDNN.check(dnnl_dilated_convolution_forward_desc_init(
                &desc, dnnl_forward_inference, dnnl_convolution_direct, &srcMD, &anyWeightsMD,
                hasBias ? biasPointer : nil, &dstMD, dims([g.strideH, g.strideW]),
                dims([g.dilationH - 1, g.dilationW - 1]), dims([g.padTop + z[0], g.padLeft + z[2]]), dims([padBottom, padRight])), "convolution \(g)")
        }
        var attr: dnnl_primitive_attr_t?
        try OneDNN.check(dnnl_primitive_attr_create(&attr), "attributes")
        defer { dnnl_primitive_attr_destroy(attr) }
        var ops: dnnl_post_ops_t?
        try OneDNN.check(dnnl_post_ops_create(&ops), "post-ops")
        defer { dnnl_post_ops_destroy(ops) }
        if epilogue.sum { try OneDNN.check(dnnl_post_ops_append_sum(ops, 1), "sum post-op") }
        if epilogue.relu { try OneDNN.check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "ReLU post-op") }
        try OneDNN.check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops")
        let made = try OneDNN.primitive(&desc, attributes: attr, "convolution \(g), batch \(batch)")
        let pd = made.descriptor
        defer { dnnl_primitive_desc_destroy(pd) }
        primitive = made.primitive
        implementation = made.implementation

        // The kernel, reordered once into the layout the primitive asked for (memory oneDNN owns).
        let allocate = UnsafeMutableRawPointer(bitPattern: -1)
        var w: dnnl_memory_t?, s: dnnl_memory_t?, d: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&w, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine, allocate), "weights memory")
        weights = w!
        let chosenSource = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)!.pointee
        let chosenDestination = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0)!.pointee
        sourceLayout = OneDNNLayout(chosenSource); destinationLayout = OneDNNLayout(chosenDestination)
        try withUnsafePointer(to: chosenSource) { try OneDNN.check(dnnl_memory_create(&s, $0, engine, nil), "source memory") }
        try withUnsafePointer(to: chosenDestination) { try OneDNN.check(dnnl_memory_create(&d, $0, engine, nil), "destination memory") }
        src = s!; dst = d!
        var b: dnnl_memory_t?
        if epilogue.bias != nil {                                   // its handle is set on each run
            try OneDNN.check(dnnl_memory_create(&b, &biasMD, engine, nil), "bias memory")
        }
        bias = b
        var kernelCopy = kernel
        try kernelCopy.withUnsafeMutableBytes { kp in
            var user: dnnl_memory_t?
            try OneDNN.check(dnnl_memory_create(&user, &userWeightsMD, engine, kp.baseAddress), "Keras kernel memory")
            defer { dnnl_memory_destroy(user) }
            try Self.reorder(from: user!, to: w!, engine: engine)
        }
    }

    /// Whether a zero padding (top, bottom, left, right) before a convolution of geometry `g` (over the padded
    /// input) folds into its own padding: always exact (both pad with zeros); kept to paddings below the
    /// dilated kernel on each side, which oneDNN's JIT kernels take, and an input left to read.
    public static func folds(zeroPadding z: [Int], geometry g: ConvGeometry) -> Bool {
        guard z.count == 4, z.allSatisfy({ $0 >= 0 }), g.inH - z[0] - z[1] > 0, g.inW - z[2] - z[3] > 0 else { return false }
        let effH = (g.kH - 1) * g.dilationH + 1, effW = (g.kW - 1) * g.dilationW + 1
        let bottom = (g.outH - 1) * g.strideH + effH - g.inH - g.padTop, right = (g.outW - 1) * g.strideW + effW - g.inW - g.padLeft
        return g.padTop + z[0] < effH && bottom + z[1] < effH && g.padLeft + z[2] < effW && right + z[3] < effW
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        for m in [src, dst, weights] { dnnl_memory_destroy(m) }
        if let bias { dnnl_memory_destroy(bias) }
    }

    /// y = epilogue(conv(x)); with `sum`, y holds the residual on entry. x: N·H·W·Cin values, y: N·outH·outW·Cout
    /// (H, W without `zeroPadding`), in `sourceLayout` and `destinationLayout`.
    public func run(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) throws {
        let (_, stream) = try OneDNN.engineAndStream()
        try OneDNN.check(dnnl_memory_set_data_handle(src, UnsafeMutableRawPointer(mutating: x)), "source")
        try OneDNN.check(dnnl_memory_set_data_handle(dst, y), "destination")
        try biasValues.withUnsafeMutableBytes { bp in
            if let bias { try OneDNN.check(dnnl_memory_set_data_handle(bias, bp.baseAddress), "bias") }
            var args = [dnnl_exec_arg_t(arg: convscope_dnnl_arg_src(), memory: src),
                        dnnl_exec_arg_t(arg: convscope_dnnl_arg_weights(), memory: weights),
                        dnnl_exec_arg_t(arg: convscope_dnnl_arg_dst(), memory: dst)]
            if let bias { args.append(dnnl_exec_arg_t(arg: convscope_dnnl_arg_bias(), memory: bias)) }
            try OneDNN.check(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "running a convolution")
            try OneDNN.check(dnnl_stream_wait(stream), "waiting for a convolution")
        }
    }

    /// The convolution of a whole tensor: x (N, H, W, Cin) → (N, outH, outW, Cout); `residual`, when the
    /// epilogue sums, is what is added before the ReLU.
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) throws -> Tensor {
        let z = zeroPadding
        precondition(x.count == batch * (geometry.inH - z[0] - z[1]) * (geometry.inW - z[2] - z[3]) * geometry.channels, "FusedConvolution: input \(x.shape)")
        precondition(sourceLayout.isNHWC && destinationLayout.isNHWC, "FusedConvolution: a tensor is NHWC")
        precondition(epilogue.sum == (residual != nil), "FusedConvolution: a residual exactly when the epilogue sums")
        let shape = [batch, geometry.outH, geometry.outW, filters]
        var y = residual.map { Tensor(shape: shape, data: $0.data) } ?? Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, n in n = shape.reduce(1, *) })
        try x.data.withUnsafeBufferPointer { xp in
            try y.data.withUnsafeMutableBufferPointer { yp in try run(xp.baseAddress!, yp.baseAddress!) }
        }
        return y
    }

    private static func reorder(from: dnnl_memory_t, to: dnnl_memory_t, engine: dnnl_engine_t) throws {
        var fromMD: UnsafePointer<dnnl_memory_desc_t>?, toMD: UnsafePointer<dnnl_memory_desc_t>?
        try OneDNN.check(dnnl_memory_get_memory_desc(from, &fromMD), "reorder source")
        try OneDNN.check(dnnl_memory_get_memory_desc(to, &toMD), "reorder destination")
        var pd: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_reorder_primitive_desc_create(&pd, fromMD, engine, toMD, engine, nil), "kernel reorder")
        defer { dnnl_primitive_desc_destroy(pd) }
        var r: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&r, pd), "kernel reorder primitive")
        defer { dnnl_primitive_destroy(r) }
        let (_, stream) = try OneDNN.engineAndStream()
        var args = [dnnl_exec_arg_t(arg: convscope_dnnl_arg_from(), memory: from), dnnl_exec_arg_t(arg: convscope_dnnl_arg_to(), memory: to)]
        try OneDNN.check(dnnl_primitive_execute(r, stream, 2, &args), "kernel reorder")
        try OneDNN.check(dnnl_stream_wait(stream), "kernel reorder")
    }
}
