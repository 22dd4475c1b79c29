/// What a layer kind is, as far as code that treats kinds alike needs to know: DeconvNet picks
/// convolutions and poolings by default, `diff` measures a convolution's change per filter, the
/// benchmarks select convolutions. Each layer type declares its role; nothing tests class names.
public enum LayerRole: Equatable, Sendable {
    /// A convolution; `filters` says where its output filters sit in its kernel.
    case convolution(ConvolutionFilters)
    /// A windowed spatial pooling (max, average).
    case pooling
    /// A pooling over all positions (global max, global average).
    case globalPooling
    /// A normalization with per-channel statistics.
    case normalization
    /// A fully connected layer.
    case dense
    case other

    public var isConvolution: Bool { if case .convolution = self { return true }; return false }
}

/// Where a convolution's output filters sit in its kernel.
public struct ConvolutionFilters: Equatable, Sendable {
    /// The variable holding the filters; nil means the first variable whose name ends in `kernel`.
    public var kernel: String?
    public var axis: FilterAxis

    public init(kernel: String?, axis: FilterAxis) {
        self.kernel = kernel
        self.axis = axis
    }

    /// The filter axis of a kernel.
    public enum FilterAxis: Sendable {
        /// The last axis: (…, in, out).
        case last
        /// The second-to-last axis: transposed convolutions store (…, out, in).
        case secondToLast
        /// The last two axes merged: depthwise kernels (…, in, depth_multiplier).
        case lastTwo
    }

    /// Filter index of kernel element `i` (row-major) of a kernel of `shape`, and the filter count.
    public func filterIndexer(shape: [Int]) -> (count: Int, filterOf: (Int) -> Int) {
        switch axis {
        case .last:
            let count = shape[shape.count - 1]
            return (count, { $0 % count })
        case .secondToLast:
            let last = shape[shape.count - 1], count = shape[shape.count - 2]
            return (count, { ($0 / last) % count })
        case .lastTwo:
            let count = shape[shape.count - 2] * shape[shape.count - 1]
            return (count, { $0 % count })
        }
    }
}

/// Keras generations that name a layer's stored variables differently.
public enum KerasVariableNaming: Sendable {
    /// Keras 2 and tf-keras (`.h5` weight names).
    case legacy
    /// Keras 3.
    case keras3
}
