import FastKernels
import Foundation
import Tensor

/// Keras `Conv1D` / `Conv2D`: cross-correlation with a (kw, in, out) / (kh, kw, in, out) kernel,
/// optional bias and activation. Forward is im2col + one sgemm per block of rows; backward is the
/// transposed convolution (sgemm with the same kernel transposed, then col2im) — the DeconvNet's
/// "deconvolution". A 1-D convolution runs as the 2-D one over an image of height 1 (`SpatialRank`),
/// its kernel's values in the same order. With `groups` G > 1 the kernel is (…, in/G, out): input
/// channels [j·in/G, (j+1)·in/G) feed filters [j·out/G, (j+1)·out/G) only; each group runs the same
/// sgemm on its channels (gathered contiguous) against its columns of the kernel and output.
public final class Convolution<Rank: SpatialRank>: Layer {
    /// Keras 1's `AtrousConvolution1D/2D` are the dilated convolutions (`atrous_rate`).
    public static var kerasClassNames: [String] { Rank.classNames(["Conv", "Convolution"]) + Rank.classNames(["AtrousConvolution"]) }
    public static var kerasConfigKeys: Set<String> { ConvolutionWindow.kerasConfigKeys }
    public static var role: LayerRole { .convolution(ConvolutionFilters(kernel: "kernel", axis: .last)) }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    public let groups: Int
    let window: ConvolutionWindow
    /// Over the whole input, and over one group's channels (the same when `groups` is 1).
    public private(set) var geometry: ConvGeometry?
    private(set) var groupGeometry: ConvGeometry?
    /// The oneDNN convolution of recorded forwards and the kernel it was made from (`recordedForward`).
    private var recorded: (conv: FusedConvolution, kernel: [Float])?
    private let recordedLock = NSLock()

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Rank.self, allowsCausal: Rank.rank == 1)
        groups = try c.int("groups", default: 1)
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
        guard groups > 0, filters % groups == 0 else { throw LayerError(name, "filters \(filters) must be a positive multiple of groups \(groups)") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        guard g.channels % groups == 0 else { throw LayerError(name, "input channels \(g.channels) are not a multiple of groups \(groups)") }
        geometry = g
        groupGeometry = groups == 1 ? g : window.geometry(inH: g.inH, inW: g.inW, channels: g.channels / groups)
        weights = [try WeightVariable(name: "kernel", shape: window.kernelWindow + [g.channels / groups, filters])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return Rank.sampleShape(planar: [g.outH, g.outW, filters])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                              // (N, H, W, Cin) or (N, W, Cin)
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let n = x.batch
        if tape != nil, var y = recordedForward(x, geometry: g) {
            if window.activation != .relu { window.activation.apply(&y, recordingOn: tape) }   // ReLU: in the epilogue
            return y
        }
        var y = Tensor(zeros: [n] + Rank.sampleShape(planar: [g.outH, g.outW, filters]))   // (N, outH, outW, Cout) or (N, outW, Cout)
        let gg = groupGeometry!, fg = filters / groups
        let identity = Im2Col.isIdentity(gg)
        // Blocks of output rows: the block's column matrix stays a few MB and is still in cache when
        // sgemm reads it (the whole matrix is 115 MB for VGG16's block1_conv2).
        // Blocks run over the rows of the whole batch (image b's row oy is global row b·outH + oy), so deep
        // layers with few positions per image (ResNet50's 7×7) still give sgemm a tall matrix.
        let totalRows = n * g.outH
        let rowsPerBlock = identity ? totalRows : max(1, min(totalRows, Self.forwardBlockPatches / max(1, g.outW)))
        var cols = [Float](repeating: 0, count: identity ? 0 : rowsPerBlock * g.outW * gg.patchSize)
        let imageSize = gg.inH * gg.inW * gg.channels
        for group in 0..<groups {
            let xg = groups == 1 ? x : channelGroup(x, group, of: groups)     // (N, H, W, Cin/G)
            let off = group * fg
            xg.data.withUnsafeBufferPointer { xp in
                weights[0].value.data.withUnsafeBufferPointer { kp in
                    y.data.withUnsafeMutableBufferPointer { yp in
                        cols.withUnsafeMutableBufferPointer { cp in
                            for r0 in stride(from: 0, to: totalRows, by: rowsPerBlock) {
                                let r1 = min(totalRows, r0 + rowsPerBlock), m = (r1 - r0) * g.outW
                                let a: UnsafePointer<Float>
                                if identity {
                                    a = xp.baseAddress! + r0 * g.outW * gg.patchSize     // pixels are the patches
                                } else {
                                    var r = r0
                                    while r < r1 {                                     // the block's rows, image by image
                                        let b = r / g.outH, oy0 = r % g.outH, oy1 = min(g.outH, oy0 + (r1 - r))
                                        Im2Col.forward(gg, x: xp.baseAddress! + b * imageSize,
                                                       cols: cp.baseAddress! + (r - r0) * g.outW * gg.patchSize, rows: oy0..<oy1)
                                        r += oy1 - oy0
                                    }
                                    a = UnsafePointer(cp.baseAddress!)                 // (m, K)
                                }
                                // (m, K) × (K, Cout) → (m, Cout); a group: its columns of the kernel and of y
                                sgemm(m: m, n: fg, k: gg.patchSize, a: a, lda: gg.patchSize,
                                      b: kp.baseAddress! + off, ldb: filters,
                                      c: yp.baseAddress! + r0 * g.outW * filters + off, ldc: filters)
                            }
                        }
                    }
                }
            }
        }
        if window.useBias { addBias(&y) }
        window.activation.apply(&y, recordingOn: tape)
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let x = tape.inputs[0]
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let n = x.batch
        let dz = window.activation.backward(upstream, tape: tape, rule: rule)                 // (N, outH, outW, Cout) or (N, outW, Cout)
        if let fast = ConvolutionBackwardCache.kernel(geometry: g, batch: n, filters: filters, groups: groups) {
            return try backward(through: fast, x: x, dz: dz, weightGradients: weightGradients)
        }
        var dx = Tensor(zeros: x.shape)                                                      // (N, H, W, Cin) or (N, W, Cin)
        let gg = groupGeometry!, fg = filters / groups
        let identity = Im2Col.isIdentity(gg)
        // The transposed convolution runs over blocks of output rows, so its (patches × patchSize)
        // column matrix stays a few MB: the whole matrix is 115 MB for VGG16's block1_conv2, and
        // allocating, zeroing, writing and re-reading it dominated DeconvNet projections besides sgemm (VGG16, 13 conv layers: ~11 s → ~8.5 s).
        let rowsPerBlock = identity ? g.outH : max(1, min(g.outH, Self.blockPatches / max(1, g.outW)))
        var blockCols = [Float](repeating: 0, count: identity ? 0 : rowsPerBlock * g.outW * gg.patchSize)
        for group in 0..<groups {
            let off = group * fg
            var dxg = Tensor(zeros: groups == 1 ? [0] : [n, gg.inH * gg.inW * gg.channels])      // (N, H·W·Cin/G)
            if groups == 1 { swap(&dx, &dxg) }                                                // one group: straight into dx
            dz.data.withUnsafeBufferPointer { dzp in
                weights[0].value.data.withUnsafeBufferPointer { kp in
                    dxg.data.withUnsafeMutableBufferPointer { dxp in
                        blockCols.withUnsafeMutableBufferPointer { cp in
                            for b in 0..<n {
                                let dzi = dzp.baseAddress! + b * g.patches * filters + off
                                let dxi = dxp.baseAddress! + b * gg.inH * gg.inW * gg.channels
                                for oy0 in stride(from: 0, to: g.outH, by: rowsPerBlock) {
                                    let oy1 = min(g.outH, oy0 + rowsPerBlock), p0 = oy0 * g.outW, m = (oy1 - oy0) * g.outW
                                    // (m, Cout) × (K, Cout)ᵀ → (m, K): the transposed convolution of these rows (a group's columns)
                                    sgemm(transB: true, m: m, n: gg.patchSize, k: fg, a: dzi + p0 * filters, lda: filters,
                                          b: kp.baseAddress! + off, ldb: filters,
                                          c: identity ? dxi + p0 * gg.patchSize : cp.baseAddress!, ldc: gg.patchSize)
                                    if !identity { Im2Col.backward(gg, cols: cp.baseAddress!, rows: oy0..<oy1, dx: dxi) }
                                }
                            }
                        }
                    }
                }
            }
            if groups == 1 { swap(&dx, &dxg) } else { addChannelGroup(dxg, into: &dx, group, of: groups) }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var dk = Tensor(zeros: weights[0].value.shape)
        var cols = [Float](repeating: 0, count: identity ? 0 : g.patches * gg.patchSize)
        for group in 0..<groups {
            let xg = groups == 1 ? x : channelGroup(x, group, of: groups)     // (N, H, W, Cin/G)
            let off = group * fg
            xg.data.withUnsafeBufferPointer { xp in
                dz.data.withUnsafeBufferPointer { dzp in
                    dk.data.withUnsafeMutableBufferPointer { dkp in
                        cols.withUnsafeMutableBufferPointer { cp in
                            for b in 0..<n {
                                let xi = xp.baseAddress! + b * gg.inH * gg.inW * gg.channels
                                let a: UnsafePointer<Float>
                                if identity { a = xi } else {
                                    Im2Col.forward(gg, x: xi, cols: cp.baseAddress!)
                                    a = UnsafePointer(cp.baseAddress!)
                                }
                                // (P, K)ᵀ × (P, Cout) → (K, Cout), accumulated over the batch (a group's columns)
                                sgemm(transA: true, m: gg.patchSize, n: fg, k: g.patches, a: a, lda: gg.patchSize,
                                      b: dzp.baseAddress! + b * g.patches * filters + off, ldb: filters,
                                      beta: b == 0 ? 0 : 1, c: dkp.baseAddress! + off, ldc: filters)
                            }
                        }
                    }
                }
            }
        }
        var grads = [dk]
        if window.useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
    }

    /// A recorded forward (the one backward passes follow) through oneDNN's convolution, the bias in its epilogue
    /// and a ReLU activation too (its backward reads only the output's sign, `Activation.apply(_:recordingOn:)`);
    /// other activations are left to the caller so the tape keeps their input. Made for the current kernel on each
    /// call (oneDNN's primitive cache keeps the compiled kernel). nil on the im2col path or where oneDNN has no kernel.
    private func recordedForward(_ x: Tensor, geometry g: ConvGeometry) -> Tensor? {
        guard ConvolutionBackwardCache.path == .oneDNN, x.batch > 0, g.outH > 0, g.outW > 0 else { return nil }
        recordedLock.lock(); defer { recordedLock.unlock() }
        let kernel = weights[0].value.data, bias = window.useBias ? weights[1].value.data : nil
        let epilogue = ConvolutionEpilogue(bias: bias, relu: window.activation == .relu)
        // Kept while the batch, kernel and bias stay (unchanged arrays compare by identity): the reorder of the
        // kernel into oneDNN's layout costs as much as the convolution.
        if let r = recorded, r.conv.batch == x.batch, r.kernel == kernel, r.conv.epilogue == epilogue {} else {
            guard let conv = try? FusedConvolution(geometry: g, batch: x.batch, kernel: kernel, filters: filters, groups: groups,
                                                   epilogue: epilogue) else { return nil }
            recorded = (conv, kernel)
        }
        guard var y = try? recorded!.conv(x) else { return nil }                            // (N, outH, outW, Cout)
        y.shape = [x.batch] + Rank.sampleShape(planar: [g.outH, g.outW, filters])           // or (N, outW, Cout)
        return y
    }

    /// The backward pass over the whole batch through oneDNN's backward-data and backward-weights primitives;
    /// the same results as the im2col path above (the reference and fallback) within float rounding.
    private func backward(through kernel: ConvolutionBackward, x: Tensor, dz: Tensor, weightGradients: Bool) throws -> LayerGradients {
        // (N, H, W, Cin): oneDNN writes every value; zeros first only where windows may skip input positions.
        var dx = geometry.map(Self.windowsCoverInput) == true ? Tensor(uninitialized: x.shape) : Tensor(zeros: x.shape)
        try dz.data.withUnsafeBufferPointer { dzp in
            try dx.data.withUnsafeMutableBufferPointer { dxp in
                try kernel.inputGradient(dy: dzp.baseAddress!, kernel: weights[0].value.data, dx: dxp.baseAddress!)
            }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var dk = Tensor(zeros: weights[0].value.shape)                                       // (kh, kw, Cin/G, Cout)
        var db = Tensor(zeros: [filters])
        try x.data.withUnsafeBufferPointer { xp in
            try dz.data.withUnsafeBufferPointer { dzp in
                try dk.data.withUnsafeMutableBufferPointer { dkp in
                    try db.data.withUnsafeMutableBufferPointer { dbp in
                        try kernel.kernelGradient(x: xp.baseAddress!, dy: dzp.baseAddress!, dk: dkp.baseAddress!,
                                                  dbias: window.useBias ? dbp.baseAddress! : nil)
                    }
                }
            }
        }
        return LayerGradients(inputs: [dx], weights: window.useBias ? [dk, db] : [dk])
    }

    /// Whether the windows together read every input position (stride within the undilated kernel, nothing left
    /// past the last window), so a transposed convolution writes a value at each.
    static func windowsCoverInput(_ g: ConvGeometry) -> Bool {
        g.dilationH == 1 && g.dilationW == 1 && g.strideH <= g.kH && g.strideW <= g.kW
            && (g.outH - 1) * g.strideH + g.kH - g.padTop >= g.inH && (g.outW - 1) * g.strideW + g.kW - g.padLeft >= g.inW
    }

    /// Output rows per block of the transposed convolution (≈ 4096 patches, a few MB of columns).
    static var blockPatches: Int { 4096 }
    /// Output positions per forward block (measured on VGG16 with 1 and 2 threads).
    static var forwardBlockPatches: Int { 4096 }

    private func addBias(_ y: inout Tensor) {
        let c = filters
        weights[1].value.data.withUnsafeBufferPointer { bp in
            y.data.withUnsafeMutableBufferPointer { yp in
                let base = yp.baseAddress!, bias = bp.baseAddress!
                parallelRanges(yp.count, unit: c) { r in
                    for i in stride(from: r.lowerBound, to: r.upperBound, by: c) { for k in 0..<c { base[i + k] += bias[k] } }
                }
            }
        }
    }
}

/// Sum of a channels-last tensor over everything but the last axis (a bias gradient).
func sumOverPositions(_ t: Tensor) -> Tensor {
    let c = t.shape.last ?? 1
    var out = [Float](repeating: 0, count: c)
    t.data.withUnsafeBufferPointer { p in
        for i in stride(from: 0, to: p.count, by: c) { for k in 0..<c { out[k] += p[i + k] } }
    }
    return Tensor(shape: [c], data: out)
}

/// Channels [group·C/G, (group+1)·C/G) of a channels-last batch, contiguous: (…, C/G).
func channelGroup(_ x: Tensor, _ group: Int, of groups: Int) -> Tensor {
    let c = x.shape[x.rank - 1], cg = c / groups, positions = x.count / c
    var out = Tensor(zeros: Array(x.shape.dropLast()) + [cg])
    x.data.withUnsafeBufferPointer { xp in
        out.data.withUnsafeMutableBufferPointer { op in
            for p in 0..<positions { (op.baseAddress! + p * cg).update(from: xp.baseAddress! + p * c + group * cg, count: cg) }
        }
    }
    return out
}

/// Adds a group's (…, C/G) values into channels [group·C/G, (group+1)·C/G) of `x` (the adjoint of `channelGroup`).
func addChannelGroup(_ part: Tensor, into x: inout Tensor, _ group: Int, of groups: Int) {
    let c = x.shape[x.rank - 1], cg = c / groups, positions = x.count / c
    part.data.withUnsafeBufferPointer { pp in
        x.data.withUnsafeMutableBufferPointer { xp in
            for p in 0..<positions { for k in 0..<cg { xp[p * c + group * cg + k] += pp[p * cg + k] } }
        }
    }
}

/// `data_format: "channels_first"` runs through `ChannelsFirst`.
extension Convolution: ChannelsFirstCapable {}

/// Keras 1: `nb_filter`; `filter_length`, `subsample_length` (1-D) or `nb_row`, `nb_col` (2-D); `atrous_rate`.
extension Convolution: Keras1Convertible {
    public static var keras1Renames: [(keras1: String, keras2: String)] {
        [("nb_filter", "filters"), ("atrous_rate", "dilation_rate"), ("filter_length", "kernel_size"), ("subsample_length", "strides")]
    }
    public static func config(fromKeras1 config: JSONObject, className: String, layer: String) throws -> JSONObject {
        Keras1Config.kernelSize(Keras1Config.renamed(config, keras1Renames), from: ["nb_row", "nb_col"])
    }
}

/// An inference plan runs a convolution through a fused kernel (`InferencePlan`).
extension Convolution: FusibleConvolution {
    var fusedGeometry: ConvGeometry? { geometry }
    var fusedGroups: Int { groups }
    var fusedFilters: Int { filters }
    var fusedActivation: Activation { window.activation }
    var fusedKernel: Tensor { weights[0].value }
    var fusedBias: [Float]? { window.useBias ? weights[1].value.data : nil }
}
