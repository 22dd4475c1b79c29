import CDNNL
import Foundation
import Tensor

/// The backward pass of a 2-D cross-correlation through oneDNN's backward-data and backward-weights
/// primitives, for a fixed batch and geometry, over the whole batch at once: x (N, H, W, Cin), dy (N, outH,
/// outW, Cout), both NHWC as Keras keeps them; the kernel and its gradient in Keras' (kh, kw, Cin/G, Cout)
/// order, reordered to and from the blocked layouts oneDNN's kernels want on every call (the kernel changes
/// between training steps). Grouped, dilated and strided convolutions and TensorFlow's asymmetric "same"
/// padding as `FusedConvolution` has them. The im2col + sgemm path in `Convolution.backward` stays as the
/// reference and the fallback; the tests hold this to it and to the naive reference.
///
/// One call at a time per instance (a lock): its memory objects carry the caller's pointers while it runs.
public final class ConvolutionBackward: @unchecked Sendable {
    public let geometry: ConvGeometry
    public let batch: Int
    public let filters: Int
    public let groups: Int
    private let lock = NSLock()
    private let engine: dnnl_engine_t
    private let srcMD: dnnl_memory_desc_t, dstMD: dnnl_memory_desc_t, kerasKernelMD: dnnl_memory_desc_t
    /// oneDNN's dims of the kernel: (O, I, H, W), or (G, O/G, I/G, H, W) with groups.
    private let kernelDims: [Int]
    private let forwardHint: dnnl_primitive_desc_t
    private var data: DataPass?
    /// The Keras kernel `data`'s blocked copy was reordered from.
    private var reorderedKernel: [Float]?
    private var weights: WeightsPass?

    /// The oneDNN implementations chosen for the input gradient and the kernel gradient ("brg:avx512_core" …),
    /// once each has run.
    public var implementations: (data: String?, weights: String?) {
        lock.lock(); defer { lock.unlock() }
        return (data?.implementation, weights?.implementation)
    }

    public init(geometry g: ConvGeometry, batch: Int, filters: Int, groups: Int = 1) throws {
        precondition(g.channels % groups == 0 && filters % groups == 0, "ConvolutionBackward: groups")
        geometry = g; self.batch = batch; self.filters = filters; self.groups = groups
        engine = try OneDNN.engineAndStream().engine
        let cin = g.channels, cig = cin / groups, fg = filters / groups
        var src = dnnl_memory_desc_t(), dst = dnnl_memory_desc_t(), keras = dnnl_memory_desc_t(), anyWeights = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&src, 4, oneDNNDims([batch, cin, g.inH, g.inW]), dnnl_f32, dnnl_nhwc), "source layout")
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&dst, 4, oneDNNDims([batch, filters, g.outH, g.outW]), dnnl_f32, dnnl_nhwc), "destination layout")
        // Keras' kernel (kh, kw, Cin/G, G·Cout/G) seen as oneDNN's (G, O, I, H, W) by its strides.
        let strides = [fg, 1, filters, g.kW * cig * filters, cig * filters]
        let shape = groups == 1 ? [filters, cin, g.kH, g.kW] : [groups, fg, cig, g.kH, g.kW]
        let kerasStrides = groups == 1 ? Array(strides.dropFirst()) : strides
        try OneDNN.check(dnnl_memory_desc_init_by_strides(&keras, Int32(shape.count), oneDNNDims(shape), dnnl_f32, oneDNNDims(kerasStrides)), "Keras kernel layout")
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&anyWeights, Int32(shape.count), oneDNNDims(shape), dnnl_f32, dnnl_format_tag_any), "weights layout")
        srcMD = src; dstMD = dst; kerasKernelMD = keras; kernelDims = shape
        var desc = try Self.descriptor(g) { strides, dilation, padL, padR, desc in
            dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_training, dnnl_convolution_direct, &src, &anyWeights, nil, &dst,
                                                       strides, dilation, padL, padR)
        }
        var hint: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&hint, &desc, nil, engine, nil), "convolution \(g), batch \(batch)")
        forwardHint = hint!
    }

    deinit {
        data?.destroy(); weights?.destroy()
        dnnl_primitive_desc_destroy(forwardHint)
    }

    /// dx = the transposed convolution of dy with the kernel (the DeconvNet's "deconvolution").
    /// dy: N·outH·outW·Cout values, kernel: Keras' (kh, kw, Cin/G, Cout), dx: N·H·W·Cin values (overwritten).
    /// The kernel is reordered only when it differs from the last call's (an unchanged array compares by
    /// identity): saliency, attribution and DeconvNet passes reuse it, a training step reorders it once.
    public func inputGradient(dy: UnsafePointer<Float>, kernel: [Float], dx: UnsafeMutablePointer<Float>) throws {
        lock.lock(); defer { lock.unlock() }
        if data == nil { data = try DataPass(self) }
        let pass = data!
        let (_, stream) = try OneDNN.engineAndStream()
        if reorderedKernel != kernel {
            try kernel.withUnsafeBufferPointer { kp in
                try OneDNN.check(dnnl_memory_set_data_handle(pass.userKernel, UnsafeMutableRawPointer(mutating: kp.baseAddress!)), "kernel")
                var reorder = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC_0, memory: pass.userKernel), dnnl_exec_arg_t(arg: DNNL_ARG_DST_0, memory: pass.kernel)]
                try OneDNN.check(dnnl_primitive_execute(pass.kernelReorder, stream, 2, &reorder), "kernel reorder")
                try OneDNN.check(dnnl_stream_wait(stream), "kernel reorder")
            }
            reorderedKernel = kernel
        }
        try OneDNN.check(dnnl_memory_set_data_handle(pass.diffDst, UnsafeMutableRawPointer(mutating: dy)), "output gradient")
        try OneDNN.check(dnnl_memory_set_data_handle(pass.diffSrc, dx), "input gradient")
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST_0, memory: pass.diffDst),
                    dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS_0, memory: pass.kernel),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_SRC_0, memory: pass.diffSrc)]
        try OneDNN.check(dnnl_primitive_execute(pass.primitive, stream, Int32(args.count), &args), "convolution backward-data")
        try OneDNN.check(dnnl_stream_wait(stream), "waiting for convolution backward-data")
    }

    /// dk = Σ over the batch and positions of x ⊗ dy in Keras' kernel order, and with `dbias` the bias gradient
    /// (dy summed over everything but channels). x: N·H·W·Cin, dy: N·outH·outW·Cout values; dk (kh·kw·Cin/G·Cout)
    /// and dbias (Cout) overwritten.
    public func kernelGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dk: UnsafeMutablePointer<Float>,
                               dbias: UnsafeMutablePointer<Float>?) throws {
        lock.lock(); defer { lock.unlock() }
        if weights == nil { weights = try WeightsPass(self) }
        let pass = weights!
        let (_, stream) = try OneDNN.engineAndStream()
        try OneDNN.check(dnnl_memory_set_data_handle(pass.src, UnsafeMutableRawPointer(mutating: x)), "input")
        try OneDNN.check(dnnl_memory_set_data_handle(pass.diffDst, UnsafeMutableRawPointer(mutating: dy)), "output gradient")
        try OneDNN.check(dnnl_memory_set_data_handle(pass.userKernel, dk), "kernel gradient")
        try OneDNN.check(dnnl_memory_set_data_handle(pass.diffBias, dbias ?? pass.scratchBias), "bias gradient")
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC_0, memory: pass.src),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST_0, memory: pass.diffDst),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_WEIGHTS_0, memory: pass.kernel),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_BIAS, memory: pass.diffBias)]
        try OneDNN.check(dnnl_primitive_execute(pass.primitive, stream, Int32(args.count), &args), "convolution backward-weights")
        var reorder = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC_0, memory: pass.kernel), dnnl_exec_arg_t(arg: DNNL_ARG_DST_0, memory: pass.userKernel)]
        try OneDNN.check(dnnl_primitive_execute(pass.kernelReorder, stream, 2, &reorder), "kernel gradient reorder")
        try OneDNN.check(dnnl_stream_wait(stream), "waiting for convolution backward-weights")
    }

    /// A convolution descriptor for `g` from `initialize(strides, dilation, padding left, padding right, desc)`:
    /// TensorFlow's top/left padding, and whatever makes oneDNN's output size match at the bottom/right
    /// (negative where "valid" leaves input rows unread).
    private static func descriptor(_ g: ConvGeometry,
                                   _ initialize: ([Int64], [Int64], [Int64], [Int64], inout dnnl_convolution_desc_t) -> dnnl_status_t) throws -> dnnl_convolution_desc_t {
        let effH = (g.kH - 1) * g.dilationH + 1, effW = (g.kW - 1) * g.dilationW + 1
        let padBottom = (g.outH - 1) * g.strideH + effH - g.inH - g.padTop
        let padRight = (g.outW - 1) * g.strideW + effW - g.inW - g.padLeft
        var desc = dnnl_convolution_desc_t()
        try OneDNN.check(initialize(oneDNNDims([g.strideH, g.strideW]), oneDNNDims([g.dilationH - 1, g.dilationW - 1]),
                                    oneDNNDims([g.padTop, g.padLeft]), oneDNNDims([padBottom, padRight]), &desc), "convolution \(g)")
        return desc
    }

    /// A primitive for `desc` (with the forward hint), its implementation string, and the memory descriptor it
    /// wants for `query` (the kernel or its gradient).
    private func primitive(_ desc: inout dnnl_convolution_desc_t, _ what: String,
                           weights query: dnnl_query_t) throws -> (dnnl_primitive_t, String, dnnl_memory_desc_t) {
        var pd: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&pd, &desc, nil, engine, forwardHint), "\(what) \(geometry), batch \(batch)")
        defer { dnnl_primitive_desc_destroy(pd) }
        var impl: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl)
        var p: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&p, pd), what)
        return (p!, impl.map { String(cString: $0) } ?? "unknown", dnnl_primitive_desc_query_md(pd, query, 0)!.pointee)
    }

    /// The reorder between two layouts of the kernel.
    private func reorder(_ from: dnnl_memory_desc_t, _ to: dnnl_memory_desc_t) throws -> dnnl_primitive_t {
        var from = from, to = to, pd: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, nil), "kernel reorder")
        defer { dnnl_primitive_desc_destroy(pd) }
        var r: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&r, pd), "kernel reorder primitive")
        return r!
    }

    /// The kernel in whatever layout a primitive picks.
    private func anyKernelLayout() throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_tag(&md, Int32(kernelDims.count), oneDNNDims(kernelDims), dnnl_f32, dnnl_format_tag_any), "weights layout")
        return md
    }

    /// Memory for `md`: the library's own (`owned`) or a handle set on each call.
    private func memory(_ md: dnnl_memory_desc_t, owned: Bool = false) throws -> dnnl_memory_t {
        var md = md, m: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&m, &md, engine, owned ? UnsafeMutableRawPointer(bitPattern: -1) : nil), "memory")
        return m!
    }

    /// dy (N, outH, outW, Cout) → dx (N, H, W, Cin).
    private struct DataPass {
        let primitive: dnnl_primitive_t, kernelReorder: dnnl_primitive_t, implementation: String
        let userKernel: dnnl_memory_t, kernel: dnnl_memory_t, diffDst: dnnl_memory_t, diffSrc: dnnl_memory_t

        init(_ c: ConvolutionBackward) throws {
            var src = c.srcMD, dst = c.dstMD, anyWeights = try c.anyKernelLayout()
            var desc = try ConvolutionBackward.descriptor(c.geometry) { strides, dilation, padL, padR, desc in
                dnnl_dilated_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &src, &anyWeights, &dst, strides, dilation, padL, padR)
            }
            let (p, impl, kernelMD) = try c.primitive(&desc, "convolution backward-data", weights: dnnl_query_weights_md)
            primitive = p; implementation = impl
            kernelReorder = try c.reorder(c.kerasKernelMD, kernelMD)
            userKernel = try c.memory(c.kerasKernelMD)
            kernel = try c.memory(kernelMD, owned: true)
            diffDst = try c.memory(c.dstMD)
            diffSrc = try c.memory(c.srcMD)
        }

        func destroy() {
            dnnl_primitive_destroy(primitive); dnnl_primitive_destroy(kernelReorder)
            for m in [userKernel, kernel, diffDst, diffSrc] { dnnl_memory_destroy(m) }
        }
    }

    /// x (N, H, W, Cin) and dy (N, outH, outW, Cout) → dk (kh, kw, Cin/G, Cout) and db (Cout).
    private struct WeightsPass {
        let primitive: dnnl_primitive_t, kernelReorder: dnnl_primitive_t, implementation: String
        let src: dnnl_memory_t, diffDst: dnnl_memory_t, kernel: dnnl_memory_t, userKernel: dnnl_memory_t, diffBias: dnnl_memory_t
        /// Where the bias gradient goes when the caller wants none.
        let scratchBias: UnsafeMutablePointer<Float>

        init(_ c: ConvolutionBackward) throws {
            var src = c.srcMD, dst = c.dstMD, anyWeights = try c.anyKernelLayout(), bias = dnnl_memory_desc_t()
            try OneDNN.check(dnnl_memory_desc_init_by_tag(&bias, 1, oneDNNDims([c.filters]), dnnl_f32, dnnl_a), "bias layout")
            var desc = try ConvolutionBackward.descriptor(c.geometry) { strides, dilation, padL, padR, desc in
                dnnl_dilated_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &src, &anyWeights, &bias, &dst,
                                                                     strides, dilation, padL, padR)
            }
            let (p, impl, kernelMD) = try c.primitive(&desc, "convolution backward-weights", weights: dnnl_query_diff_weights_md)
            primitive = p; implementation = impl
            kernelReorder = try c.reorder(kernelMD, c.kerasKernelMD)
            self.src = try c.memory(c.srcMD)
            diffDst = try c.memory(c.dstMD)
            kernel = try c.memory(kernelMD, owned: true)
            userKernel = try c.memory(c.kerasKernelMD)
            diffBias = try c.memory(bias)
            scratchBias = .allocate(capacity: c.filters)
        }

        func destroy() {
            dnnl_primitive_destroy(primitive); dnnl_primitive_destroy(kernelReorder)
            for m in [src, diffDst, kernel, userKernel, diffBias] { dnnl_memory_destroy(m) }
            scratchBias.deallocate()
        }
    }
}

/// Backward kernels by shape, made on first use and kept (a lock guards the table; each kernel runs one call
/// at a time). `Convolution.backward` asks here; `nil` when the im2col path is to run instead.
public enum ConvolutionBackwardCache {
    /// Which kernels the layers' recorded passes use: the convolution of a recorded forward and the backward passes.
    /// `CONVSCOPE_CONV_BACKWARD=im2col` in the environment starts
    /// with the reference path (benchmarks measure both in one binary); tests switch it directly.
    public enum Path: String, Sendable { case oneDNN = "onednn", im2col }

    private struct Key: Hashable {
        let inH, inW, channels, kH, kW, strideH, strideW, dilationH, dilationW, outH, outW, padTop, padLeft: Int
        let batch, filters, groups: Int
    }
    nonisolated(unsafe) private static var table: [Key: ConvolutionBackward] = [:]
    nonisolated(unsafe) private static var chosen: Path = ProcessInfo.processInfo.environment["CONVSCOPE_CONV_BACKWARD"].flatMap(Path.init(rawValue:)) ?? .oneDNN
    private static let lock = NSLock()
    /// Shapes kept at most (a training run with a short last batch adds one per layer).
    private static let capacity = 256

    public static var path: Path {
        get { lock.lock(); defer { lock.unlock() }; return chosen }
        set { lock.lock(); defer { lock.unlock() }; chosen = newValue }
    }

    /// Shapes with a kernel made.
    public static var count: Int { lock.lock(); defer { lock.unlock() }; return table.count }

    /// The kernel for this shape, or nil on the im2col path or where oneDNN has no implementation.
    public static func kernel(geometry g: ConvGeometry, batch: Int, filters: Int, groups: Int) -> ConvolutionBackward? {
        lock.lock(); defer { lock.unlock() }
        guard chosen == .oneDNN, batch > 0, g.outH > 0, g.outW > 0 else { return nil }
        let key = Key(inH: g.inH, inW: g.inW, channels: g.channels, kH: g.kH, kW: g.kW, strideH: g.strideH, strideW: g.strideW,
                      dilationH: g.dilationH, dilationW: g.dilationW, outH: g.outH, outW: g.outW, padTop: g.padTop, padLeft: g.padLeft,
                      batch: batch, filters: filters, groups: groups)
        if let k = table[key] { return k }
        guard let k = try? ConvolutionBackward(geometry: g, batch: batch, filters: filters, groups: groups) else { return nil }
        if table.count >= capacity { table.removeAll() }
        table[key] = k
        return k
    }
}

/// oneDNN's dims array (12 entries) from the first few.
func oneDNNDims(_ values: [Int]) -> [Int64] {
    var d = [Int64](repeating: 0, count: 12)
    for (i, v) in values.enumerated() { d[i] = Int64(v) }
    return d
}
