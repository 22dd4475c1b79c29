import Foundation
import Tensor

/// Keras `Conv1D` / `Conv2D`: cross-correlation with a (kw, in, out) / (kh, kw, in, out) kernel,
/// optional bias and activation. Forward is im2col + one sgemm per block of rows; backward is the
/// transposed convolution (sgemm with the same kernel transposed, then col2im) — the DeconvNet's
/// "deconvolution". A 1-D convolution runs as the 2-D one over an image of height 1 (`SpatialRank`),
/// its kernel's values in the same order.
public final class Convolution<Rank: SpatialRank>: Layer {
    public static var kerasClassNames: [String] { Rank.classNames(["Conv", "Convolution"]) }
    public static var kerasConfigKeys: Set<String> { ConvolutionWindow.kerasConfigKeys }
    public static var role: LayerRole { .convolution(ConvolutionFilters(kernel: "kernel", axis: .last)) }
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []

    let filters: Int
    let window: ConvolutionWindow
    private(set) var geometry: ConvGeometry?

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        let c = LayerConfig(layer: name, json: config)
        filters = try c.int("filters")
        window = try ConvolutionWindow(c, rank: Rank.self, allowsCausal: Rank.rank == 1)
        if try c.int("groups", default: 1) != 1 { throw LayerError(name, "grouped convolution (groups > 1) is not supported") }
        guard filters > 0 else { throw LayerError(name, "filters must be positive") }
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        let g = try window.geometry(inputShapes, layer: name)
        geometry = g
        weights = [try WeightVariable(name: "kernel", shape: window.kernelWindow + [g.channels, filters])]
        if window.useBias { weights.append(try WeightVariable(name: "bias", shape: [filters])) }
        return Rank.sampleShape(planar: [g.outH, g.outW, filters])
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let x = inputs[0]                                              // (N, H, W, Cin) or (N, W, Cin)
        let g = try builtGeometry(geometry, for: x, layer: name, rank: Rank.rank)
        let n = x.batch
        var y = Tensor(zeros: [n] + Rank.sampleShape(planar: [g.outH, g.outW, filters]))   // (N, outH, outW, Cout) or (N, outW, Cout)
        let identity = Im2Col.isIdentity(g)
        // Blocks of output rows: the block's column matrix stays a few MB and is still in cache when
        // sgemm reads it (the whole matrix is 115 MB for VGG16's block1_conv2).
        // Blocks run over the rows of the whole batch (image b's row oy is global row b·outH + oy), so deep
        // layers with few positions per image (ResNet50's 7×7) still give sgemm a tall matrix.
        let totalRows = n * g.outH
        let rowsPerBlock = identity ? totalRows : max(1, min(totalRows, Self.forwardBlockPatches / max(1, g.outW)))
        var cols = [Float](repeating: 0, count: identity ? 0 : rowsPerBlock * g.outW * g.patchSize)
        let imageSize = g.inH * g.inW * g.channels
        x.data.withUnsafeBufferPointer { xp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for r0 in stride(from: 0, to: totalRows, by: rowsPerBlock) {
                            let r1 = min(totalRows, r0 + rowsPerBlock), m = (r1 - r0) * g.outW
                            let a: UnsafePointer<Float>
                            if identity {
                                a = xp.baseAddress! + r0 * g.outW * g.patchSize      // pixels are the patches
                            } else {
                                var r = r0
                                while r < r1 {                                     // the block's rows, image by image
                                    let b = r / g.outH, oy0 = r % g.outH, oy1 = min(g.outH, oy0 + (r1 - r))
                                    Im2Col.forward(g, x: xp.baseAddress! + b * imageSize,
                                                   cols: cp.baseAddress! + (r - r0) * g.outW * g.patchSize, rows: oy0..<oy1)
                                    r += oy1 - oy0
                                }
                                a = UnsafePointer(cp.baseAddress!)                 // (m, K)
                            }
                            // (m, K) × (K, Cout) → (m, Cout)
                            sgemm(m: m, n: filters, k: g.patchSize, a: a, lda: g.patchSize,
                                  b: kp.baseAddress!, ldb: filters,
                                  c: yp.baseAddress! + r0 * g.outW * filters, ldc: filters)
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
        var dx = Tensor(zeros: x.shape)                                                      // (N, H, W, Cin) or (N, W, Cin)
        let identity = Im2Col.isIdentity(g)
        // The transposed convolution runs over blocks of output rows, so its (patches × patchSize)
        // column matrix stays a few MB: the whole matrix is 115 MB for VGG16's block1_conv2, and
        // allocating, zeroing, writing and re-reading it dominated DeconvNet projections besides sgemm (VGG16, 13 conv layers: ~11 s → ~8.5 s).
        let rowsPerBlock = identity ? g.outH : max(1, min(g.outH, Self.blockPatches / max(1, g.outW)))
        var blockCols = [Float](repeating: 0, count: identity ? 0 : rowsPerBlock * g.outW * g.patchSize)
        dz.data.withUnsafeBufferPointer { dzp in
            weights[0].value.data.withUnsafeBufferPointer { kp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    blockCols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<n {
                            let dzi = dzp.baseAddress! + b * g.patches * filters
                            let dxi = dxp.baseAddress! + b * g.inH * g.inW * g.channels
                            for oy0 in stride(from: 0, to: g.outH, by: rowsPerBlock) {
                                let oy1 = min(g.outH, oy0 + rowsPerBlock), p0 = oy0 * g.outW, m = (oy1 - oy0) * g.outW
                                // (m, Cout) × (K, Cout)ᵀ → (m, K): the transposed convolution of these rows
                                sgemm(transB: true, m: m, n: g.patchSize, k: filters, a: dzi + p0 * filters, lda: filters,
                                      b: kp.baseAddress!, ldb: filters,
                                      c: identity ? dxi + p0 * g.patchSize : cp.baseAddress!, ldc: g.patchSize)
                                if !identity { Im2Col.backward(g, cols: cp.baseAddress!, rows: oy0..<oy1, dx: dxi) }
                            }
                        }
                    }
                }
            }
        }
        guard weightGradients else { return LayerGradients(inputs: [dx]) }
        var dk = Tensor(zeros: weights[0].value.shape)
        var cols = [Float](repeating: 0, count: identity ? 0 : g.patches * g.patchSize)
        x.data.withUnsafeBufferPointer { xp in
            dz.data.withUnsafeBufferPointer { dzp in
                dk.data.withUnsafeMutableBufferPointer { dkp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<n {
                            let xi = xp.baseAddress! + b * g.inH * g.inW * g.channels
                            let a: UnsafePointer<Float>
                            if identity { a = xi } else {
                                Im2Col.forward(g, x: xi, cols: cp.baseAddress!)
                                a = UnsafePointer(cp.baseAddress!)
                            }
                            // (P, K)ᵀ × (P, Cout) → (K, Cout), accumulated over the batch
                            sgemm(transA: true, m: g.patchSize, n: filters, k: g.patches, a: a, lda: g.patchSize,
                                  b: dzp.baseAddress! + b * g.patches * filters, ldb: filters,
                                  beta: b == 0 ? 0 : 1, c: dkp.baseAddress!, ldc: filters)
                        }
                    }
                }
            }
        }
        var grads = [dk]
        if window.useBias { grads.append(sumOverPositions(dz)) }
        return LayerGradients(inputs: [dx], weights: grads)
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
