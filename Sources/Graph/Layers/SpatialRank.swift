import Tensor

/// How many spatial axes a window layer has (`Conv1D`, `MaxPooling2D` …). A 1-D layer runs as the
/// 2-D one over an image of height 1: a (steps, channels) sample is the (1, steps, channels) image
/// with the same values in the same order, so both ranks share one kernel and the 2-D path
/// is unchanged (its views are the tensors themselves).
///
/// A 3-D sample (depth, height, width, channels) is viewed as the (depth·height, width, channels) image
/// with the same values: right for layers that treat all positions alike (global pooling) only; the
/// windowed 3-D layers (`Conv3D` …) have their own classes.
public protocol SpatialRank {
    /// 1, 2 or 3.
    static var rank: Int { get }
}

/// One spatial axis: (steps, channels) samples.
public enum Spatial1D: SpatialRank { public static let rank = 1 }
/// Two spatial axes: (height, width, channels) samples.
public enum Spatial2D: SpatialRank { public static let rank = 2 }
/// Three spatial axes: (depth, height, width, channels) samples.
public enum Spatial3D: SpatialRank { public static let rank = 3 }

extension SpatialRank {
    /// Keras' class names of a family at this rank: `["Conv", "Convolution"]` → `["Conv1D", "Convolution1D"]`
    /// (with `suffix` "Transpose": `Conv1DTranspose` …).
    static func classNames(_ stems: [String], suffix: String = "") -> [String] { stems.map { "\($0)\(rank)D\(suffix)" } }

    /// The per-sample axes, as errors name them.
    static var sampleAxes: String {
        switch rank {
        case 1: return "(steps, channels)"
        case 3: return "(depth, height, width, channels)"
        default: return "(height, width, channels)"
        }
    }

    /// The batch axes, as errors name them.
    static var batchAxes: String { ["(N, W, C)", "(N, H, W, C)", "(N, D, H, W, C)"][rank - 1] }

    /// The one per-sample input shape of a window layer, as (height, width, channels).
    static func planarInput(_ inputShapes: [[Int]], layer: String) throws -> [Int] {
        guard inputShapes.count == 1, inputShapes[0].count == rank + 1 else {
            throw LayerError(layer, "expects one \(sampleAxes) input, got \(inputShapes)")
        }
        let s = inputShapes[0]
        switch rank {
        case 1: return [1] + s
        case 3: return [s[0] * s[1], s[2], s[3]]
        default: return s
        }
    }

    /// A per-sample (height, width, channels) shape in this rank's axes.
    static func sampleShape(planar s: [Int]) -> [Int] { rank == 1 ? [s[1], s[2]] : s }

    /// A window's sizes per axis (a kernel, strides) as (height, width): a 1-D window has height 1.
    static func planarWindow(_ sizes: [Int]) -> [Int] { rank == 1 ? [1] + sizes : sizes }

    /// A batch in this rank's axes, viewed as (N, H, W, C).
    static func planar(_ x: Tensor) -> Tensor {
        if rank == 1 && x.rank == 3 { return x.reshaped([x.shape[0], 1, x.shape[1], x.shape[2]]) }
        if rank == 3 && x.rank == 5 { return x.reshaped([x.shape[0], x.shape[1] * x.shape[2], x.shape[3], x.shape[4]]) }
        return x
    }

    /// An (N, H, W, C) batch back in this rank's axes.
    static func unplanar(_ x: Tensor) -> Tensor { rank == 1 && x.rank == 4 ? x.reshaped([x.shape[0], x.shape[2], x.shape[3]]) : x }
}
