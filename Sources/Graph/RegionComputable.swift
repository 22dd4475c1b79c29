import FastKernels
import Tensor

/// A kernel made for one crop geometry and batch: reads the crops, writes the windows.
public typealias RegionKernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void

/// How a layer's output over a window of positions is computed from the input positions it reads (issue 18's
/// incremental occlusion, `RegionForward`): output (oy, ox) reads input rows oy·s − before ..< oy·s − before + extent
/// (columns likewise); positions outside the input read `fill` (TensorFlow's padding made explicit), and the
/// layer's operation then runs over the gathered crop without padding.
public struct RegionStep {
    /// What computes a batch of windows from their gathered crops.
    public enum Operation {
        /// A windowed kernel made for the crop's geometry (VALID padding) and a batch size; it reads the crops
        /// (batch, cropH, cropW, C) and writes the windows (batch, outH, outW, filters).
        case kernel((ConvGeometry, Int) throws -> RegionKernel)
        /// The crop is the output (a zero padding or a cropping: a 1×1 window shifted by `before`).
        case copy
        /// Each output position from the input at the same position: the layer's own forward over the crop.
        case positionwise
    }

    /// The window (1×1 for `copy` and `positionwise`): kernel, strides and dilation per spatial axis.
    public var window: SpatialWindow
    /// Positions padded before the input (top, left); negative for a cropping.
    public var before: [Int]
    /// The value padded positions read.
    public var fill: Float
    public var operation: Operation

    init(window: SpatialWindow = .unit, before: [Int] = [0, 0], fill: Float = 0, operation: Operation) {
        (self.window, self.before, self.fill, self.operation) = (window, before, fill, operation)
    }
}

extension SpatialWindow {
    /// A 1×1 window, stride 1: a layer that keeps positions.
    static let unit = SpatialWindow(kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: .valid, transposed: false)

    /// The geometry of this window over a crop of `height`×`width`×`channels`, without padding.
    func cropGeometry(height: Int, width: Int, channels: Int) -> ConvGeometry {
        ConvGeometry(inH: height, inW: width, channels: channels, kH: kernel[0], kW: kernel[1], strideH: strides[0], strideW: strides[1],
                     dilationH: dilation[0], dilationW: dilation[1], padding: .valid)
    }
}

/// A 2-D layer whose output over a window can be computed from a crop of its input (`RegionStep`). A kind says so
/// here, from the facts it already has (its window, its fused kernel); nothing tests class names.
protocol RegionComputable: Layer {
    /// The step for a per-sample input of `inputShape` (H, W, C); nil when this layer cannot run over windows
    /// exactly (an average pooling that pads, an activation the fused kernel lacks, another channel axis …).
    func regionStep(inputShape: [Int]) -> RegionStep?
}

extension Convolution: RegionComputable {
    func regionStep(inputShape: [Int]) -> RegionStep? {
        guard Rank.rank == 2, inputShape.count == 3, fusedActivation == .linear || fusedActivation == .relu else { return nil }
        let window = spatialWindow, kernel = fusedKernel.data, bias = fusedBias, relu = fusedActivation == .relu
        let (filters, groups) = (fusedFilters, fusedGroups)
        return RegionStep(window: window, before: window.padBefore(inputSize: Array(inputShape.prefix(2))), fill: 0, operation: .kernel { g, batch in
            let p = try FusedConvolution(geometry: g, batch: batch, kernel: kernel, filters: filters, groups: groups,
                                         epilogue: ConvolutionEpilogue(bias: bias, relu: relu))
            return { try p.run($0, $1) }
        })
    }
}

extension Pooling: RegionComputable {
    func regionStep(inputShape: [Int]) -> RegionStep? {
        guard Rank.rank == 2, inputShape.count == 3, let (kind, g) = fastPooling else { return nil }
        let window = spatialWindow, extent = window.extent
        // A padded position never wins a maximum (−∞); an average excludes it from its count, which a crop
        // cannot say: an average pooling runs over windows only where it pads nothing.
        let padded = [((g.outH - 1) * g.strideH + extent[0] - g.inH), ((g.outW - 1) * g.strideW + extent[1] - g.inW)].contains { $0 > 0 }
        guard kind == .maximum || !padded else { return nil }
        return RegionStep(window: window, before: window.padBefore(inputSize: [g.inH, g.inW]), fill: kind == .maximum ? -.infinity : 0,
                          operation: .kernel { crop, batch in
            let p = try FastPooling(kind: kind, geometry: crop, batch: batch)
            return { try p.run($0, $1) }
        })
    }
}

extension ZeroPadding: RegionComputable {
    func regionStep(inputShape: [Int]) -> RegionStep? {
        Rank.rank == 2 && inputShape.count == 3 ? RegionStep(before: positionsAddedBefore, operation: .copy) : nil
    }
}

extension Cropping: RegionComputable {
    func regionStep(inputShape: [Int]) -> RegionStep? {
        Rank.rank == 2 && inputShape.count == 3 ? RegionStep(before: positionsAddedBefore, operation: .copy) : nil
    }
}

/// Kinds computing each output element from the input element at the same position, whatever the spatial size.
protocol PositionwiseRegion: RegionComputable {}
extension PositionwiseRegion {
    func regionStep(inputShape: [Int]) -> RegionStep? { inputShape.count == 3 ? RegionStep(operation: .positionwise) : nil }
}

extension ReLU: PositionwiseRegion {}
extension LeakyReLU: PositionwiseRegion {}
extension ELU: PositionwiseRegion {}
extension ThresholdedReLU: PositionwiseRegion {}
extension Identity: PositionwiseRegion {}
extension NoiseLayer: PositionwiseRegion {}
/// Softmax and log-softmax act over the last axis, the channels: per position too.
extension ActivationLayer: PositionwiseRegion {}

extension BatchNormalization: RegionComputable {
    /// Positionwise at inference when it normalizes the channels (the last axis).
    func regionStep(inputShape: [Int]) -> RegionStep? {
        inputShape.count == 3 && epilogueStep(inputShape: inputShape) != nil ? RegionStep(operation: .positionwise) : nil
    }
}
