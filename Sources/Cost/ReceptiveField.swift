import Graph

/// The input positions one unit of a layer sees, along each spatial axis (1, 2 or 3 entries), as
/// Zeiler & Fergus' patch extraction uses it: unit `u` of the layer sees input positions
/// `start + u·stride ..< start + u·stride + size` (clipped to the input). The one implementation
/// `inspect` reports and the top-9 DeconvNet view crops by.
public struct ReceptiveField: Equatable, Sendable, Codable {
    public var size: [Int]
    public var stride: [Int]
    /// Where unit 0's field starts, in input positions (negative: in the padding).
    public var start: [Int]

    public init(size: [Int], stride: [Int], start: [Int]) {
        self.size = size
        self.stride = stride
        self.start = start
    }

    /// One input position: the field of an input with `spatialAxes` axes.
    public static func unit(spatialAxes n: Int) -> ReceptiveField {
        ReceptiveField(size: Array(repeating: 1, count: n), stride: Array(repeating: 1, count: n), start: Array(repeating: 0, count: n))
    }

    /// `inspect --json` shows size and stride only.
    enum CodingKeys: String, CodingKey { case size, stride }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        size = try c.decode([Int].self, forKey: .size)
        stride = try c.decode([Int].self, forKey: .stride)
        start = Array(repeating: 0, count: size.count)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(size, forKey: .size)
        try c.encode(stride, forKey: .stride)
    }

    /// The input box unit `position` sees, clipped to an input of `extent`: origin and size per axis;
    /// nil when it lies wholly in the padding.
    public func box(ofUnit position: [Int], clippedTo extent: [Int]) -> (origin: [Int], size: [Int])? {
        var origin: [Int] = [], sizes: [Int] = []
        for a in 0..<size.count {
            let lo = max(0, add(start[a], mul(position[a], stride[a]))), hi = min(extent[a], add(start[a], mul(position[a], stride[a]), size[a]))
            guard hi > lo else { return nil }
            origin.append(lo)
            sizes.append(hi - lo)
        }
        return (origin, sizes)
    }

    /// Through a window (kernel extent k, stride s, `pad` positions before): r + (k−1)·j, j·s.
    /// A transposed convolution keeps the field only at stride 1 (a spread input has no whole-pixel field).
    func through(_ w: SpatialWindow, inputSize: [Int]) -> ReceptiveField? {
        guard w.kernel.count == size.count else { return nil }
        if w.transposed && w.strides.contains(where: { $0 != 1 }) { return nil }
        let pad = w.padBefore(inputSize: inputSize), k = w.extent
        var out = self
        for a in 0..<size.count {
            out.size[a] = add(size[a], mul(k[a] - 1, stride[a]))
            // A stride-1 transposed convolution is the convolution with the window flipped: it reaches back k−1−pad.
            out.start[a] = add(start[a], -mul(w.transposed ? k[a] - 1 - pad[a] : pad[a], stride[a]))
            out.stride[a] = mul(stride[a], w.transposed ? 1 : w.strides[a])
        }
        return out
    }

    /// Positions added before each axis (ZeroPadding, or removed: Cropping) move the start.
    func shifted(by added: [Int]) -> ReceptiveField? {
        guard added.count == size.count else { return nil }
        var out = self
        for a in 0..<size.count { out.start[a] = add(out.start[a], -mul(added[a], stride[a])) }
        return out
    }

    /// Several inputs merged position by position (Add, Concatenate …): the union of their fields,
    /// defined when every input has one with the same stride.
    static func union(_ fields: [ReceptiveField?]) -> ReceptiveField? {
        let all = fields.compactMap { $0 }
        guard let first = all.first, all.count == fields.count, all.allSatisfy({ $0.stride == first.stride && $0.size.count == first.size.count }) else { return nil }
        var out = first
        for a in 0..<first.size.count {
            let lo = all.map { $0.start[a] }.min()!, hi = all.map { add($0.start[a], $0.size[a]) }.max()!
            out.start[a] = lo
            out.size[a] = add(hi, -lo)
        }
        return out
    }
}
