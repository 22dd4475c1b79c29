import Graph
import Tensor

/// MuFidelity (Bhatt et al. 2020, def. 3; Xplique's `MuFidelity` with a grid): the correlation, over random
/// subsets S of the image, between Σ_{i∈S} attribution_i and the drop p_c(x) − p_c(x with S set to a baseline).
///
/// Exactly: the image is cut into a g×g grid; pixel (y, x) lies in cell (⌊(y + ½)·g/H⌋, ⌊(x + ½)·g/W⌋) (each
/// clamped to g − 1, in float32: tf.image.resize's nearest-neighbour upsampling of a g×g mask). One SplitMix64
/// stream seeded with `seed` draws u = nextUnit() for every cell of subset 0 (row-major), then of subset 1, …;
/// a cell is removed when u < `fraction`. The removed pixels (all channels) are set to `baseline` in input space.
/// For each of the n subsets: drop_s = p_c(x) − p_c(x_S) (softmax probability) and sum_s = Σ of the ranking plane
/// (a 3-D map summed over channels, a map of another size resized bilinearly) over the removed pixels. The score
/// is the Pearson correlation of (sum_s) and (drop_s), 0 when either is constant. Higher is better.
public struct MuFidelitySettings: Codable, Equatable, Sendable {
    /// Grid cells per side (Xplique's default 9).
    public var grid = 9
    /// Probability that a cell is removed (Xplique's subset_percent, default 0.2).
    public var fraction = 0.2
    /// Random subsets (Xplique's nb_samples, default 200).
    public var subsets = 200
    /// Seeds the subsets.
    public var seed: UInt64 = 0
    /// Value the removed pixels take, in input space (Xplique's baseline_mode, default 0).
    public var baseline: Float = 0

    public init() {}

    /// Refuses settings the definition does not cover, naming the option.
    public func validate(height: Int, width: Int) throws {
        guard grid >= 1 && grid <= min(height, width) else {
            throw GraphError.badInput("--grid \(grid): must be between 1 and the image's shorter side (\(min(height, width)))")
        }
        guard fraction > 0 && fraction < 1 else { throw GraphError.badInput("--fraction \(fraction): must be in (0, 1)") }
        guard subsets >= 2 else { throw GraphError.badInput("--subsets \(subsets): MuFidelity needs at least 2") }
        guard baseline.isFinite else { throw GraphError.badInput("--baseline-value must be finite") }
    }
}

public struct MuFidelityResult: Sendable {
    /// Pearson correlation of `sums` and `drops`.
    public var score: Double
    /// Per subset: Σ of the map over the removed pixels.
    public var sums: [Double]
    /// Per subset: p_c(x) − p_c(x with the subset removed).
    public var drops: [Double]
}

public enum MuFidelity {
    /// The grid cell of each of `size` pixels along one side (tf.image.resize nearest, half-pixel centres).
    public static func cells(size: Int, grid: Int) -> [Int] {
        let scale = Float(grid) / Float(size)
        return (0..<size).map { min(Int((Float($0) + 0.5) * scale), grid - 1) }
    }

    /// Which cells each subset removes: `subsets` × grid² flags, row-major cells, drawn as the definition says.
    public static func subsets(_ s: MuFidelitySettings) -> [[Bool]] {
        var rng = SplitMix64(seed: s.seed)
        return (0..<s.subsets).map { _ in (0..<(s.grid * s.grid)).map { _ in rng.nextUnit() < s.fraction } }
    }

    /// Pearson correlation; 0 when either side is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let (ma, mb) = (a.reduce(0, +) / n, b.reduce(0, +) / n)
        var (sab, saa, sbb) = (0.0, 0.0, 0.0)
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}

extension SaliencyMapper {
    /// MuFidelity of `map` (H·W values, row-major) for class `c` of `image` (1, H, W, C). The subsets go through in batches.
    public func muFidelity(_ image: Tensor, map: [Float], classIndex c: Int, settings s: MuFidelitySettings,
                           progress: ((Int, Int) -> Void)? = nil) throws -> MuFidelityResult {
        let (height, width, colours) = (image.shape[1], image.shape[2], image.shape[3])
        try s.validate(height: height, width: width)
        guard map.count == height * width else { throw GraphError.badInput("the map has \(map.count) values, the image \(height)×\(width) pixels") }
        guard !map.contains(where: \.isNaN) else { throw GraphError.badInput("the map holds NaN") }
        let scores0 = try scores(image)
        guard c >= 0 && c < scores0.count else { throw GraphError.badInput("class \(c) is out of range: the model has \(scores0.count) outputs") }
        let p = SaliencyMapper.softmax(scores0)[c]
        let (rows, columns) = (MuFidelity.cells(size: height, grid: s.grid), MuFidelity.cells(size: width, grid: s.grid))
        let cell = (0..<(height * width)).map { rows[$0 / width] * s.grid + columns[$0 % width] }   // pixel → cell
        let removed = MuFidelity.subsets(s)
        var sums = [Double](repeating: 0, count: s.subsets), drops = sums
        for (k, cells) in removed.enumerated() {
            for q in 0..<(height * width) where cells[cell[q]] { sums[k] += Double(map[q]) }
        }
        try forEachBatch(count: s.subsets, itemShape: image.shape, progress: { progress?($0, s.subsets) }, make: { k, slot in
            _ = slot.update(fromContentsOf: image.data)
            for q in 0..<(height * width) where removed[k][cell[q]] { for ch in 0..<colours { slot[q * colours + ch] = s.baseline } }
        }, consume: { first, pass in
            let y = pass.value(logits.outputNodes[0])!                                  // (b, classes)
            for (j, probabilities) in SaliencyMapper.probabilities(y).enumerated() { drops[first + j] = p - probabilities[c] }
        })
        return MuFidelityResult(score: MuFidelity.pearson(sums, drops), sums: sums, drops: drops)
    }
}
