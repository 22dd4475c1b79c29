import Tensor

/// The one 3-D convolution core of `Conv3D` and `Conv3DTranspose`: the cross-correlation of a signal
/// (N, D, H, W, C) with a (kd, kh, kw, C, F) kernel giving a response (N, outD, outH, outW, F), and its two
/// adjoints, depth tap by depth tap: each (output slice, tap) pair is one sgemm of the slice's im2col
/// (`Im2Col`, the (height, width) geometry `plane`) against the tap's (kh·kw·C, F) block of the kernel.
/// The depth axis is the 2-D geometry `depth` of width 1 (TensorFlow's padding rule).
///
/// A grouped convolution runs the core once per group: `columns` are the group's F columns of the kernel
/// and of the response (rows of `stride` values), the signal being the group's channels gathered contiguous.
struct VolumeConvolution {
    let depth: ConvGeometry
    /// Over one signal slice; `plane.channels` is C (one group's channels).
    let plane: ConvGeometry
    /// The response's (and the kernel's) columns [offset, offset + count) of rows of `stride` values.
    var columns: (offset: Int, count: Int, stride: Int)

    init(depth: ConvGeometry, plane: ConvGeometry, filters: Int) {
        (self.depth, self.plane, columns) = (depth, plane, (0, filters, filters))
    }

    /// Values of one signal slice and one response slice.
    private var signalSlice: Int { plane.inH * plane.inW * plane.channels }
    private var responseSlice: Int { plane.patches * columns.stride }

    /// response += x ⋆ kernel: x (N, D, H, W, C) → (N, outD, outH, outW, F) (Conv3D forward; Conv3DTranspose backward to its input).
    func correlate(_ x: Tensor, _ kernel: Tensor, into response: inout Tensor) {
        let k = plane.patchSize, (off, f, ld) = columns
        withColumns(x, kernel, &response) { xp, kp, rp, cp in
            forEachDepthTap(batch: x.batch, depth) { b, od, id, kd in
                Im2Col.forward(plane, x: xp + (b * depth.inH + id) * signalSlice, cols: cp)
                // (P, K) × (K, F) → (P, F), summed over the depth taps
                sgemm(m: plane.patches, n: f, k: k, a: cp, lda: k, b: kp + kd * k * ld + off, ldb: ld,
                      beta: 1, c: rp + (b * depth.outH + od) * responseSlice + off, ldc: ld)
            }
        }
    }

    /// signal += the adjoint of `correlate` applied to `response`: (N, outD, outH, outW, F) → (N, D, H, W, C)
    /// (Conv3D backward to its input; Conv3DTranspose forward).
    func transpose(_ response: Tensor, _ kernel: Tensor, into signal: inout Tensor) {
        let k = plane.patchSize, (off, f, ld) = columns
        withColumns(response, kernel, &signal) { rp, kp, sp, cp in
            forEachDepthTap(batch: response.batch, depth) { b, od, id, kd in
                // (P, F) × (K, F)ᵀ → (P, K), then col2im into the signal slice
                sgemm(transB: true, m: plane.patches, n: k, k: f, a: rp + (b * depth.outH + od) * responseSlice + off, lda: ld,
                      b: kp + kd * k * ld + off, ldb: ld, c: cp, ldc: k)
                Im2Col.backward(plane, cols: cp, dx: sp + (b * depth.inH + id) * signalSlice)
            }
        }
    }

    /// dk += the gradient of Σ response·upstream with respect to the kernel: im2col(signal)ᵀ × response, tap by tap.
    func kernelGradient(signal x: Tensor, response r: Tensor, into dk: inout Tensor) {
        let k = plane.patchSize, (off, f, ld) = columns
        withColumns(x, r, &dk) { xp, rp, dkp, cp in
            forEachDepthTap(batch: x.batch, depth) { b, od, id, kd in
                Im2Col.forward(plane, x: xp + (b * depth.inH + id) * signalSlice, cols: cp)
                // (P, K)ᵀ × (P, F) → (K, F), accumulated into the tap's block
                sgemm(transA: true, m: k, n: f, k: plane.patches, a: cp, lda: k, b: rp + (b * depth.outH + od) * responseSlice + off, ldb: ld,
                      beta: 1, c: dkp + kd * k * ld + off, ldc: ld)
            }
        }
    }

    /// The three tensors' storage and a (patches × patchSize) column buffer.
    private func withColumns(_ a: Tensor, _ b: Tensor, _ c: inout Tensor,
                             _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        var cols = [Float](repeating: 0, count: plane.patches * plane.patchSize)
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                c.data.withUnsafeMutableBufferPointer { cp in
                    cols.withUnsafeMutableBufferPointer { colp in body(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!, colp.baseAddress!) }
                }
            }
        }
    }
}

extension ConvolutionWindow {
    /// Adds the bias (the layer's second variable, when it has one) and applies the activation, recording
    /// the pre-activation when `tape` is given (what `Conv3D` and `Conv3DTranspose` end their forward with).
    func finish(_ y: inout Tensor, _ weights: [WeightVariable], tape: Tape?) {
        if useBias { addBiasLastAxis(&y, weights[1].value) }
        activation.apply(&y, recordingOn: tape)
    }

    /// The kernel gradient `dk` and, with a bias, the bias gradient from `dz`, in variable order.
    func gradients(kernel dk: Tensor, dz: Tensor) -> [Tensor] { useBias ? [dk, sumOverPositions(dz)] : [dk] }
}

/// Calls `body(b, od, id, kd)` for every output depth slice od of image b and kernel depth tap kd that
/// reads an input slice id inside the sample, for the depth geometry `d` (a height, width 1).
func forEachDepthTap(batch n: Int, _ d: ConvGeometry, _ body: (Int, Int, Int, Int) -> Void) {
    for b in 0..<n {
        for od in 0..<d.outH {
            for kd in 0..<d.kH {
                let id = od * d.strideH - d.padTop + kd * d.dilationH
                if id >= 0 && id < d.inH { body(b, od, id, kd) }
            }
        }
    }
}
