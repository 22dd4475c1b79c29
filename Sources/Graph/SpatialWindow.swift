import Tensor

/// The window a convolution or a pooling slides over its input, one entry per spatial axis (1, 2 or
/// 3): the facts receptive fields are computed from (the `Cost` target), read from the settings the
/// layer already parsed (`ConvolutionWindow`, `PoolingWindow`) instead of its config again.
public struct SpatialWindow: Equatable, Sendable {
    public var kernel: [Int]
    public var strides: [Int]
    public var dilation: [Int]
    public var padding: ConvGeometry.Padding
    /// A transposed convolution: the window runs over the output, the strides spread the input.
    public var transposed: Bool

    public init(kernel: [Int], strides: [Int], dilation: [Int], padding: ConvGeometry.Padding, transposed: Bool) {
        (self.kernel, self.strides, self.dilation, self.padding, self.transposed) = (kernel, strides, dilation, padding, transposed)
    }

    /// The extent of the dilated kernel along each axis.
    public var extent: [Int] { zip(kernel, dilation).map { ($0 - 1) * $1 + 1 } }

    /// Positions TensorFlow pads before the input (top, left …) for an input of `size` (one entry per axis).
    public func padBefore(inputSize size: [Int]) -> [Int] {
        zip(zip(size, strides), extent).map { p, k in
            let (n, s) = p
            switch padding {
            case .valid: return 0
            case .causal: return k - 1
            case .same: return max(((n + s - 1) / s - 1) * s + k - n, 0) / 2
            }
        }
    }
}

/// A layer sliding a `SpatialWindow` over its one input.
public protocol SpatiallyWindowed: Layer {
    var spatialWindow: SpatialWindow { get }
}

/// A layer adding (ZeroPadding, positive) or removing (Cropping, negative) positions before each spatial axis.
public protocol SpatiallyShifted: Layer {
    var positionsAddedBefore: [Int] { get }
}

extension ConvolutionWindow {
    func spatial(transposed: Bool = false) -> SpatialWindow {
        let axes = { (w: [Int]) in self.rank == 1 ? Array(w.suffix(1)) : w }
        return SpatialWindow(kernel: axes(kernel), strides: axes(strides), dilation: axes(dilation), padding: padding, transposed: transposed)
    }
}

extension Convolution: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial() } }
extension DepthwiseConvolution: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial() } }
extension SeparableConvolution: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial() } }
extension TransposedConvolution: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial(transposed: true) } }
extension Conv3D: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial() } }
extension Conv3DTranspose: SpatiallyWindowed { public var spatialWindow: SpatialWindow { window.spatial(transposed: true) } }

extension Pooling: SpatiallyWindowed {
    public var spatialWindow: SpatialWindow {
        let axes = { (w: [Int]) in self.window.rank == 1 ? Array(w.suffix(1)) : w }
        return SpatialWindow(kernel: axes(window.pool), strides: axes(window.strides), dilation: axes(window.pool).map { _ in 1 },
                             padding: window.padding, transposed: false)
    }
}

extension ZeroPadding: SpatiallyShifted {
    public var positionsAddedBefore: [Int] { Rank.rank == 1 ? [pad[2]] : [pad[0], pad[2]] }
}

extension Cropping: SpatiallyShifted {
    public var positionsAddedBefore: [Int] { Rank.rank == 1 ? [-crop[2]] : [-crop[0], -crop[2]] }
}
