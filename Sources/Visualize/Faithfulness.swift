import Graph
import Tensor

/// Petsiuk et al.'s deletion and insertion metrics (RISE, 2018) as issue 18 defines them: pixels ranked by a
/// 2-D map in descending order (ties in row-major order); step k = 0 … N sets the first round(k·H·W/N) ranked
/// pixels (all channels) to 0 in input space (deletion), or starts from all zeros and puts them back
/// (insertion); the curve is p_c per step and the score its trapezoid area over x = k/N. round() halves away
/// from zero: ⌊(2·k·H·W + N) / 2N⌋. `mufidelity` is no curve: see MuFidelity.swift.
public enum FaithfulnessMetric: String, CaseIterable, Sendable {
    case deletion, insertion, mufidelity

    /// Deletion and insertion are curves with an area; MuFidelity is a correlation.
    public var isCurve: Bool { self != .mufidelity }
}

public struct FaithfulnessCurve: Sendable {
    public var metric: FaithfulnessMetric
    /// p_c at steps 0 … N.
    public var probabilities: [Double]
    /// Trapezoid area under the curve over x = k/N.
    public var area: Double
}

public enum Faithfulness {
    /// Pixel indices (row-major) by descending map value, ties in row-major order.
    public static func ranking(_ map: [Float]) -> [Int] {
        map.indices.sorted { map[$0] != map[$1] ? map[$0] > map[$1] : $0 < $1 }
    }

    /// Pixels changed at step k of n over `pixels`: round(k·pixels/n), halves up.
    public static func changed(step k: Int, of n: Int, pixels: Int) -> Int { (2 * k * pixels + n) / (2 * n) }

    /// The (H, W) values a map ranks pixels by, row-major: leading axes of length 1 dropped, a 3-D map summed
    /// over its last axis (channels), a 2-D map of another size (a class activation map at its layer's
    /// resolution) resized bilinearly as tf.image.resize does.
    public static func rankingPlane(_ map: Tensor, height: Int, width: Int) throws -> [Float] {
        var shape = map.shape
        while shape.count > 2 && shape.first == 1 { shape.removeFirst() }
        var plane = map.reshaped(shape)
        if shape.count == 3 {
            let c = shape[2]
            plane = Tensor(shape: [shape[0], shape[1]], data: (0..<(shape[0] * shape[1])).map { p in
                (0..<c).reduce(Float(0)) { $0 + map.data[p * c + $1] }
            })
        }
        guard plane.rank == 2, plane.count > 0 else {
            throw GraphError.badInput("a map of shape \(map.shape) is neither (H, W) nor (H, W, C)")
        }
        if plane.shape != [height, width] {
            plane = Resample.bilinear(plane.reshaped([1] + plane.shape + [1]), height: height, width: width)
        }
        return plane.data
    }

    /// Trapezoid area over x = k/N, N = curve.count − 1.
    public static func area(_ curve: [Double]) -> Double {
        guard curve.count > 1 else { return 0 }
        let n = Double(curve.count - 1)
        return zip(curve, curve.dropFirst()).reduce(0) { $0 + ($1.0 + $1.1) / 2 / n }
    }
}

extension SaliencyMapper {
    /// The deletion or insertion curve of `image` (1, H, W, C) for class `c`, ranked by `map` (H·W values,
    /// row-major). The N + 1 images go through in batches.
    public func faithfulness(_ image: Tensor, map: [Float], classIndex c: Int, metric: FaithfulnessMetric, steps: Int,
                             progress: ((Int, Int) -> Void)? = nil) throws -> FaithfulnessCurve {
        let (height, width, colours) = (image.shape[1], image.shape[2], image.shape[3])
        let pixels = height * width
        guard steps > 0 else { throw GraphError.badInput("--steps must be positive, got \(steps)") }
        guard metric.isCurve else { throw GraphError.badInput("\(metric.rawValue) is not a curve metric") }
        guard map.count == pixels else { throw GraphError.badInput("the map has \(map.count) values, the image \(height)×\(width) pixels") }
        guard !map.contains(where: \.isNaN) else { throw GraphError.badInput("the map holds NaN") }
        let order = Faithfulness.ranking(map)
        var curve = [Double](repeating: 0, count: steps + 1)
        try forEachBatch(count: steps + 1, itemShape: image.shape, progress: { progress?($0, steps + 1) }, make: { k, slot in
            let n = Faithfulness.changed(step: k, of: steps, pixels: pixels)
            switch metric {
            case .deletion:
                _ = slot.update(fromContentsOf: image.data)
                for p in order[..<n] { for q in 0..<colours { slot[p * colours + q] = 0 } }
            case .insertion, .mufidelity:                                          // the slot starts at zeros
                for p in order[..<n] { for q in 0..<colours { slot[p * colours + q] = image.data[p * colours + q] } }
            }
        }, consume: { first, pass in
            let y = pass.value(logits.outputNodes[0])!
            try checkClass(c, y)
            for (j, p) in SaliencyMapper.probabilities(y).enumerated() { curve[first + j] = p[c] }
        })
        return FaithfulnessCurve(metric: metric, probabilities: curve, area: Faithfulness.area(curve))
    }
}
