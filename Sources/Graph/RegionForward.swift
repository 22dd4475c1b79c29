import FastKernels
import Tensor

/// A rectangle of spatial positions: rows × columns.
public struct SpatialRect: Equatable, Sendable {
    public var rows: Range<Int>
    public var columns: Range<Int>
    public init(rows: Range<Int>, columns: Range<Int>) { (self.rows, self.columns) = (rows, columns) }
}

/// Many variants of one image that differ from it only inside a rectangle each (occlusion's patches), through a
/// graph, recomputing only what changes — exact, not an approximation. The image's activations along the graph's
/// leading chain (`RegionComputable` layers, each the only consumer of the one before) are computed once; for a
/// variant, the region that differs grows through each layer by the window it reads (a 3×3 convolution by one
/// position each side, a 2×2/2 pooling halves it, rounded outwards), and each layer runs only over it: its input
/// window gathered from the variant's changed values and the image's own (TensorFlow's padding filled in
/// explicitly at the borders), then a VALID kernel. Once the region would cover more than `maxFraction` of a map,
/// the variants' full activations are assembled there and the rest of the graph runs batched as an
/// `InferencePlan`. The windows of one layer have one size for every variant (the largest region, moved inside
/// the map), so a batch of variants runs as one kernel call per layer.
public final class RegionForward {
    struct Step {
        let node: Int
        let region: RegionStep
        /// Per-sample (H, W, C) of the input and the output.
        let input: [Int], output: [Int]
        /// The crop each window reads: (rows, columns).
        let crop: (Int, Int)
    }

    /// The chain computed over windows, after the input node.
    let steps: [Step]
    /// The image's value at the input node (index 0) and after each step, (1, H, W, C).
    let clean: [Tensor]
    /// windows[l][i]: where variant i's values after step l (0: the input) are computed, one size per l.
    let windows: [[SpatialRect]]
    /// The rest of the graph from the last step's node (its input node), and the targets' ids in it.
    let rest: InferencePlan
    let restTargets: [Int: Int]
    private var kernels: [Int: (batch: Int, run: RegionKernel?)] = [:]

    /// The node after which the rest of the graph runs batched.
    public var cutNode: Int { steps.last!.node }
    /// How many layers run over windows.
    public var windowedLayers: Int { steps.count }

    /// nil when the graph has no leading chain that shrinks the work (a first layer that cannot run over windows,
    /// a region over `maxFraction` of the map from the first layer on). `changes[i]`: where variant i differs from
    /// `image` (1, H, W, C).
    public init?(graph: Graph, targets: [Int], image: Tensor, changes: [SpatialRect], maxFraction: Double = 0.5) throws {
        guard graph.inputNodes.count == 1, image.rank == 4, image.batch == 1, !changes.isEmpty else { return nil }
        let needed = graph.ancestors(of: targets)
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for n in graph.nodes where needed.contains(n.id) { for i in n.inputs { consumers[i].append(n.id) } }
        // The chain: each node the only consumer of the one before, which is no target.
        var chain: [(node: Int, region: RegionStep)] = []
        var last = graph.inputNodes[0]
        while !targets.contains(last), consumers[last].count == 1 {
            let next = graph.nodes[consumers[last][0]]
            let shape = graph.nodes[last].outputShape
            guard next.inputs == [last], shape.count == 3, next.outputShape.count == 3, !shape.contains(where: { $0 <= 0 }),
                  let region = (next.layer as? any RegionComputable)?.regionStep(inputShape: shape) else { break }
            chain.append((next.id, region))
            last = next.id
        }
        // Regions and windows, layer by layer, while they stay small.
        let size = Array(image.shape[1...2])
        var dirty = changes.map { Self.clamp($0, size) }
        var windows = [Self.windows(dirty, size)]
        var steps: [Step] = []
        var inputShape = Array(image.shape.dropFirst())
        for (node, region) in chain {
            let output = graph.nodes[node].outputShape
            let grown = dirty.map { Self.grow($0, region, output) }
            let placed = Self.windows(grown, Array(output.prefix(2)))
            let (h, w) = (placed[0].rows.count, placed[0].columns.count)
            guard Double(h * w) <= maxFraction * Double(output[0] * output[1]) else { break }
            let extent = region.window.extent
            steps.append(Step(node: node, region: region, input: inputShape, output: output,
                              crop: ((h - 1) * region.window.strides[0] + extent[0], (w - 1) * region.window.strides[1] + extent[1])))
            (dirty, inputShape) = (grown, output)
            windows.append(placed)
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
        self.windows = windows
        // The rest: an input node standing for the cut, then every other node the targets need.
        let cut = steps.last!.node, computed = Set([graph.inputNodes[0]] + steps.map(\.node))
        let restGraph = Graph(name: graph.name)
        let entry = try InputLayer(name: graph.nodes[cut].name, config: ["batch_shape": .array([.null] + graph.nodes[cut].outputShape.map { JSON.number(Double($0)) })])
        var ids = [cut: try restGraph.add(entry, inputs: [], name: graph.nodes[cut].name)]
        restGraph.inputNodes = [ids[cut]!]
        for n in graph.nodes where needed.contains(n.id) && !computed.contains(n.id) {
            ids[n.id] = try restGraph.add(n.layer, inputs: n.inputs.map { ids[$0]! }, name: n.name)
        }
        var restTargets: [Int: Int] = [:]
        for t in targets { restTargets[t] = ids[t] }
        guard restTargets.count == targets.count else { return nil }                    // a target inside the chain before the cut
        restGraph.outputNodes = targets.map { restTargets[$0]! }
        self.restTargets = restTargets
        rest = InferencePlan(graph: restGraph, targets: restGraph.outputNodes)
        // The image's own activations along the windowed chain: each step over its whole map.
        var clean = [image]
        for (l, step) in steps.enumerated() {
            let whole = SpatialRect(rows: 0..<step.output[0], columns: 0..<step.output[1])
            let crop = (step.output[0] - 1) * step.region.window.strides[0] + step.region.window.extent[0]
            let cropW = (step.output[1] - 1) * step.region.window.strides[1] + step.region.window.extent[1]
            let x = Self.gather(step, crop: (crop, cropW), windows: [whole], clean: clean[l], previous: nil)
            clean.append(try Self.apply(step, x, window: whole, kernel: try step.kernel(crop: (crop, cropW), batch: 1), node: graph.nodes[step.node]))
        }
        self.clean = clean
        self.graphNodes = graph.nodes
    }

    private let graphNodes: [Node]

    /// The targets' values for variants `items` (a batch): `paint(i, window, values)` writes variant i's values
    /// over `window` of the input, (h, w, C) row-major, handed over holding the image's.
    public func run(_ items: Range<Int>, paint: (Int, SpatialRect, UnsafeMutableBufferPointer<Float>) -> Void) throws -> [Int: Tensor] {
        OneDNN.setThreads(Threading.count)
        let b = items.count
        let first = windows[0][items.lowerBound]
        let (h0, w0, c0) = (first.rows.count, first.columns.count, clean[0].shape[3])
        var values = Tensor(zeros: [b, h0, w0, c0])
        values.data.withUnsafeMutableBufferPointer { v in
            let per = h0 * w0 * c0
            for (j, i) in items.enumerated() {
                let slot = UnsafeMutableBufferPointer(rebasing: v[(j * per)..<((j + 1) * per)])
                Self.copyWindow(clean[0], windows[0][i], into: slot)
                paint(i, windows[0][i], slot)
            }
        }
        for (l, step) in steps.enumerated() {
            let mine = items.map { windows[l + 1][$0] }
            let x = Self.gather(step, crop: step.crop, windows: mine, clean: clean[l], previous: (values, items.map { windows[l][$0] }))
            let kernel = try kernel(l, batch: b)
            values = try Self.apply(step, x, window: mine[0], kernel: kernel, node: graphNodes[step.node])
        }
        // The variants' whole activations at the cut, then the rest of the graph.
        let last = steps.count, c = clean[last]
        var full = Tensor(shape: [b] + c.shape.dropFirst(), data: [Float](unsafeUninitializedCapacity: b * c.count) { _, n in n = b * c.count })
        full.data.withUnsafeMutableBufferPointer { f in
            c.data.withUnsafeBufferPointer { cp in
                values.data.withUnsafeBufferPointer { vp in
                    let (width, channels) = (c.shape[2], c.shape[3]), per = values.count / b
                    for (j, i) in items.enumerated() {
                        f.baseAddress!.advanced(by: j * c.count).update(from: cp.baseAddress!, count: c.count)
                        let w = windows[last][i], run = w.columns.count * channels
                        for (r, y) in w.rows.enumerated() {
                            (f.baseAddress! + j * c.count + (y * width + w.columns.lowerBound) * channels)
                                .update(from: vp.baseAddress! + j * per + r * run, count: run)
                        }
                    }
                }
            }
        }
        let out = try rest.run([full])
        return restTargets.mapValues { out[$0]! }
    }

    private func kernel(_ l: Int, batch: Int) throws -> RegionKernel? {
        if let k = kernels[l], k.batch == batch { return k.run }
        let run = try steps[l].kernel(crop: steps[l].crop, batch: batch)
        kernels[l] = (batch, run)
        return run
    }

    /// One step over a batch of gathered crops `x` (b, cropH, cropW, C): the windows (b, h, w, C').
    private static func apply(_ step: Step, _ x: Tensor, window: SpatialRect,
                              kernel: RegionKernel?, node: Node) throws -> Tensor {
        switch step.region.operation {
        case .copy: return x
        case .positionwise:
            var context = ForwardContext()
            return try node.layer.forward([x], context: &context, tape: nil)
        case .kernel:
            let shape = [x.batch, window.rows.count, window.columns.count, step.output[2]]
            var y = Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, n in n = shape.reduce(1, *) })
            try x.data.withUnsafeBufferPointer { xp in
                try y.data.withUnsafeMutableBufferPointer { yp in try kernel!(xp.baseAddress!, yp.baseAddress!) }
            }
            return y
        }
    }

    /// The crops the windows read, (b, cropH, cropW, C): from `previous` (each variant's values over its window of
    /// the input) where it covers, the image's `clean` input elsewhere, the step's fill outside the map.
    private static func gather(_ step: Step, crop: (Int, Int), windows: [SpatialRect], clean: Tensor,
                               previous: (values: Tensor, windows: [SpatialRect])?) -> Tensor {
        let (height, width, channels) = (step.input[0], step.input[1], step.input[2])
        let (ch, cw) = crop, per = ch * cw * channels
        let s = step.region.window.strides, before = step.region.before
        var x = Tensor(shape: [windows.count, ch, cw, channels], data: [Float](unsafeUninitializedCapacity: windows.count * per) { _, n in n = windows.count * per })
        x.data.withUnsafeMutableBufferPointer { xp in
            clean.data.withUnsafeBufferPointer { cp in
                (previous?.values.data ?? []).withUnsafeBufferPointer { pp in
                    let fill = step.region.fill
                    let pw = previous?.windows.first?.columns.count ?? 0, pper = previous.map { $0.values.count / max($0.values.batch, 1) } ?? 0
                    for (j, win) in windows.enumerated() {
                        let (oy, ox) = (win.rows.lowerBound * s[0] - before[0], win.columns.lowerBound * s[1] - before[1])
                        let prev = previous?.windows[j]
                        for r in 0..<ch {
                            let row = xp.baseAddress! + j * per + r * cw * channels
                            let y = oy + r
                            guard y >= 0 && y < height else { row.update(repeating: fill, count: cw * channels); continue }
                            let (a, b) = (max(ox, 0), min(ox + cw, width))
                            if a > ox { row.update(repeating: fill, count: (min(a, ox + cw) - ox) * channels) }
                            if b < ox + cw { (row + (max(b, ox) - ox) * channels).update(repeating: fill, count: (ox + cw - max(b, ox)) * channels) }
                            guard a < b else { continue }
                            func clean(_ from: Int, _ to: Int) {
                                guard from < to else { return }
                                (row + (from - ox) * channels).update(from: cp.baseAddress! + (y * width + from) * channels, count: (to - from) * channels)
                            }
                            if let prev, prev.rows.contains(y) {
                                let (p0, p1) = (max(a, prev.columns.lowerBound), min(b, prev.columns.upperBound))
                                if p0 < p1 {
                                    clean(a, p0)
                                    let source = pp.baseAddress! + j * pper + ((y - prev.rows.lowerBound) * pw + (p0 - prev.columns.lowerBound)) * channels
                                    (row + (p0 - ox) * channels).update(from: source, count: (p1 - p0) * channels)
                                    clean(p1, b)
                                    continue
                                }
                            }
                            clean(a, b)
                        }
                    }
                }
            }
        }
        return x
    }

    /// The image's values over `window`, (h, w, C) row-major.
    private static func copyWindow(_ image: Tensor, _ window: SpatialRect, into slot: UnsafeMutableBufferPointer<Float>) {
        let (width, channels) = (image.shape[2], image.shape[3]), run = window.columns.count * channels
        image.data.withUnsafeBufferPointer { ip in
            for (r, y) in window.rows.enumerated() {
                (slot.baseAddress! + r * run).update(from: ip.baseAddress! + (y * width + window.columns.lowerBound) * channels, count: run)
            }
        }
    }

    /// The output positions whose window reads any position of `r`.
    static func grow(_ r: SpatialRect, _ step: RegionStep, _ output: [Int]) -> SpatialRect {
        func axis(_ d: Range<Int>, _ k: Int) -> Range<Int> {
            guard !d.isEmpty else { return 0..<0 }
            let s = step.window.strides[k], e = step.window.extent[k], before = step.before[k]
            // o reads o·s − before ..< o·s − before + e; it meets d when o·s − before + e > d.lower and o·s − before < d.upper.
            let lo = floorDiv(d.lowerBound + before - e, s) + 1, hi = ceilDiv(d.upperBound + before, s)
            let (a, b) = (max(lo, 0), min(hi, output[k]))
            return a < b ? a..<b : 0..<0
        }
        return SpatialRect(rows: axis(r.rows, 0), columns: axis(r.columns, 1))
    }

    static func clamp(_ r: SpatialRect, _ size: [Int]) -> SpatialRect {
        SpatialRect(rows: r.rows.clamped(to: 0..<size[0]), columns: r.columns.clamped(to: 0..<size[1]))
    }

    /// Windows of one size (the largest region's, at least 1) covering each region, moved inside the map.
    static func windows(_ regions: [SpatialRect], _ size: [Int]) -> [SpatialRect] {
        let h = max(regions.map(\.rows.count).max()!, 1), w = max(regions.map(\.columns.count).max()!, 1)
        func place(_ d: Range<Int>, _ n: Int, _ total: Int) -> Range<Int> {
            let start = max(0, min(d.isEmpty ? 0 : d.lowerBound, total - n))
            return start..<(start + n)
        }
        return regions.map { SpatialRect(rows: place($0.rows, h, size[0]), columns: place($0.columns, w, size[1])) }
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
}

extension RegionForward.Step {
    /// The kernel for `batch` crops of `crop` positions (nil for a copy or a positionwise step).
    func kernel(crop: (Int, Int), batch: Int) throws -> RegionKernel? {
        guard case .kernel(let make) = region.operation else { return nil }
        return try make(region.window.cropGeometry(height: crop.0, width: crop.1, channels: input[2]), batch)
    }
}
