/// Spatial arithmetic of a 2-D window op (convolution, pooling) in TensorFlow's conventions.
///
/// "same" padding: out = ceil(in / stride); the total padding is split with the extra
/// row/column at the bottom/right (TensorFlow), unlike Caffe. "causal" (Keras' Conv1D) pads the
/// start only, by the whole dilated kernel less one: out = ceil(in / stride), output t sees inputs ≤ t.
public struct ConvGeometry: Equatable, Sendable {
    public enum Padding: String, Sendable { case same, valid, causal }

    public let inH: Int, inW: Int, channels: Int
    public let kH: Int, kW: Int
    public let strideH: Int, strideW: Int
    public let dilationH: Int, dilationW: Int
    public let outH: Int, outW: Int
    public let padTop: Int, padLeft: Int

    public init(inH: Int, inW: Int, channels: Int, kH: Int, kW: Int,
                strideH: Int = 1, strideW: Int = 1, dilationH: Int = 1, dilationW: Int = 1,
                padding: Padding) {
        self.inH = inH; self.inW = inW; self.channels = channels
        self.kH = kH; self.kW = kW
        self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        let effH = (kH - 1) * dilationH + 1, effW = (kW - 1) * dilationW + 1
        switch padding {
        case .valid:
            outH = inH >= effH ? (inH - effH) / strideH + 1 : 0
            outW = inW >= effW ? (inW - effW) / strideW + 1 : 0
            padTop = 0; padLeft = 0
        case .same:
            outH = (inH + strideH - 1) / strideH
            outW = (inW + strideW - 1) / strideW
            padTop = max((outH - 1) * strideH + effH - inH, 0) / 2
            padLeft = max((outW - 1) * strideW + effW - inW, 0) / 2
        case .causal:
            outH = (inH + strideH - 1) / strideH
            outW = (inW + strideW - 1) / strideW
            padTop = effH - 1; padLeft = effW - 1
        }
    }

    /// Rows of the im2col matrix per image (output positions).
    public var patches: Int { outH * outW }
    /// Columns of the im2col matrix (kernel taps × channels), matching a (kh, kw, in, out) kernel's row order.
    public var patchSize: Int { kH * kW * channels }
}
