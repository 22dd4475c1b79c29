import Graph

/// One weight array as stored in a file, before any architecture is applied.
public struct StoredWeight: Codable, Equatable, Sendable {
    /// Stored layer it belongs to (legacy: the `layer_names` entry; Keras 3: the layer's `name`
    /// attribute, `outer/inner` for nested layers).
    public var layer: String
    /// Weight name as stored (`conv1/kernel:0`, `tiny/conv1/kernel`; Keras 3 files: the var index "0", "1" …).
    public var name: String
    public var shape: [Int]
    public var dtype: String
    /// HDF5 path of the dataset inside the weights file (inside `model.weights.h5` for `.keras`).
    public var path: String
    /// The shard file holding it, for sharded weights (`*.weights.json`); nil for a single file.
    public var shard: String? = nil

    public var count: Int { shape.reduce(1, *) }

    /// Short name Keras uses for the variable: `kernel` from `conv1/kernel:0`.
    public var shortName: String {
        var n = name
        if let c = n.lastIndex(of: ":"), n[n.index(after: c)...].allSatisfy(\.isNumber) { n = String(n[..<c]) }
        return n.split(separator: "/").last.map(String.init) ?? n
    }
}

/// Weights of one stored layer, in stored order.
public struct StoredLayer: Equatable, Sendable {
    public var name: String
    /// Group key: legacy = layer name; Keras 3 = `conv2d_1` style key.
    public var key: String
    public var weights: [StoredWeight]
    /// Keras 3 nested model: its layers (`layers/<key>/layers/…`).
    public var children: [StoredLayer]?
}

/// What a weights file holds, listed without an architecture.
public struct StoredWeights: Codable, Equatable, Sendable {
    public var weights: [StoredWeight]
    /// Stored layer names in stored order (weightless ones included).
    public var layerNames: [String]
    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } }

    public init(layers: [StoredLayer]) {
        var ws: [StoredWeight] = []
        var names: [String] = []
        func walk(_ ls: [StoredLayer], _ prefix: String) {
            for l in ls {
                names.append(prefix + l.name)
                ws += l.weights
                if let c = l.children { walk(c, prefix + l.name + "/") }
            }
        }
        walk(layers, "")
        weights = ws
        layerNames = names
    }

    enum CodingKeys: String, CodingKey { case weights, layerNames, parameterCount }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        weights = try c.decode([StoredWeight].self, forKey: .weights)
        layerNames = try c.decode([String].self, forKey: .layerNames)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weights, forKey: .weights)
        try c.encode(layerNames, forKey: .layerNames)
        try c.encode(parameterCount, forKey: .parameterCount)
    }
}
