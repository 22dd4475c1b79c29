import Graph
import Tensor

/// Occlusion sensitivity (Zeiler & Fergus 2014, §4.2 and Fig. 7) as issue 18 defines it: a P×P patch filled
/// with V (in the model's input space, after preprocessing) at y = 0, S, 2S, … while y + P ≤ H (x likewise);
/// at each position the softmax probability of the class, and optionally the total activation of one feature
/// map and the most probable class.
public struct OcclusionMaps: Sendable {
    public var classIndex: Int
    /// (ny, nx): p_c with the patch at each position.
    public var probability: Tensor
    /// (ny, nx): the chosen feature map's total activation (sum over its positions), when one was asked for.
    public var activation: Tensor?
    /// (ny, nx): the most probable class (as a number), when a feature map was asked for.
    public var topClass: Tensor?
    /// The probe layer's name, resolved.
    public var layer: String?
}

/// How occlusion runs the occluded images. Both give the same maps (to float rounding, within 1e-5).
public enum OcclusionPath: String, CaseIterable, Sendable {
    /// Only what the patch changes is recomputed along the graph's leading chain of convolutions, poolings,
    /// paddings and positionwise layers (`RegionForward`); the rest runs batched. Graphs without such a chain
    /// run `full`.
    case incremental
    /// Every occluded image through the whole graph, batched.
    case full
}

extension SaliencyMapper {
    /// The patch's top-left corners along one side of length `size`.
    public static func occlusionPositions(size: Int, patch: Int, stride: Int) -> [Int] {
        patch <= size ? Array(Swift.stride(from: 0, through: size - patch, by: stride)) : []
    }

    /// Occlusion maps of `image` (1, H, W, C) for class `c`; `probe` = (layer, channel) adds the activation and
    /// top-class maps. `progress(done, total)` after each batch of occluded images.
    public func occlusion(_ image: Tensor, patch: Int, stride: Int, fill: Float, classIndex c: Int,
                          probe: (layer: String, channel: Int)? = nil, path: OcclusionPath = .incremental,
                          progress: ((Int, Int) -> Void)? = nil) throws -> OcclusionMaps {
        let (height, width, colours) = (image.shape[1], image.shape[2], image.shape[3])
        guard patch > 0, stride > 0 else { throw GraphError.badInput("--patch and --stride must be positive, got \(patch) and \(stride)") }
        guard patch <= height && patch <= width else {
            throw GraphError.badInput("the \(patch)×\(patch) patch does not fit the \(height)×\(width) input")
        }
        let ys = Self.occlusionPositions(size: height, patch: patch, stride: stride)
        let xs = Self.occlusionPositions(size: width, patch: patch, stride: stride)
        var probeNode: Node?
        if let probe {
            let node = try logits.resolve(probe.layer)
            let channels = logits.channelsLastShape(node.id).last ?? 0
            guard probe.channel >= 0 && probe.channel < channels else {
                throw GraphError.badInput("channel \(probe.channel) is out of range: layer '\(node.name)' has \(channels) channels")
            }
            probeNode = node
        }
        let shape = [ys.count, xs.count]
        var maps = OcclusionMaps(classIndex: c, probability: Tensor(zeros: shape), activation: probe == nil ? nil : Tensor(zeros: shape),
                                 topClass: probe == nil ? nil : Tensor(zeros: shape), layer: probeNode?.name)
        let total = ys.count * xs.count
        let consume = { (first: Int, pass: ForwardPass) throws in
            let y = pass.value(logits.outputNodes[0])!                                  // (b, classes)
            try checkClass(c, y)
            for (j, p) in SaliencyMapper.probabilities(y).enumerated() {
                maps.probability.data[first + j] = Float(p[c])
                if probe != nil { maps.topClass!.data[first + j] = Float(p.indices.max { p[$0] < p[$1] }!) }
            }
            if let probe, let node = probeNode {
                let a = logits.channelsLastValue(pass.value(node.id)!, node: node.id)      // (b, …, K)
                let k = a.shape.last!, per = a.count / a.shape[0]
                for j in 0..<a.shape[0] {
                    var s = 0.0
                    for p in Swift.stride(from: j * per + probe.channel, to: (j + 1) * per, by: k) { s += Double(a.data[p]) }
                    maps.activation!.data[first + j] = Float(s)
                }
            }
        }
        let targets = [logits.outputNodes[0]] + (probeNode.map { [$0.id] } ?? [])
        let patches: [SpatialRect] = (0..<total).map { i in
            let (y0, x0) = (ys[i / xs.count], xs[i % xs.count])
            return SpatialRect(rows: y0..<(y0 + patch), columns: x0..<(x0 + patch))
        }
        if path == .incremental,
           let region = try RegionForward(graph: logits, targets: targets, image: image, changes: patches) {
            var first = 0
            while first < total {
                let b = min(Self.batchSize, total - first)
                let values = try region.run(first..<(first + b)) { i, window, slot in
                    let r = patches[i], w = window.columns.count
                    for y in r.rows {
                        for x in r.columns {
                            let at = ((y - window.rows.lowerBound) * w + (x - window.columns.lowerBound)) * colours
                            for q in 0..<colours { slot[at + q] = fill }
                        }
                    }
                }
                try consume(first, ForwardPass(values: values))
                first += b
                progress?(first, total)
            }
            return maps
        }
        try forEachBatch(count: total, itemShape: image.shape, also: probeNode.map { [$0.id] } ?? [], progress: { progress?($0, total) },
                         make: { i, slot in
            _ = slot.update(fromContentsOf: image.data)
            let r = patches[i]
            for y in r.rows {
                for x in r.columns { for q in 0..<colours { slot[(y * width + x) * colours + q] = fill } }
            }
        }, consume: consume)
        return maps
    }
}
