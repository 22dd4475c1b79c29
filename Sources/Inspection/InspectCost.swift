import Cost
import Graph
import KerasIO

/// `inspect`'s numbers (issue 20): per row of the model's layers and in total, for a batch, what a
/// forward pass costs (`ModelCost`) and how the weights are stored. The `cost` object of
/// `inspect --json` (Schemas/inspect.schema.json).
public struct InspectCost: Codable, Equatable {
    /// How a layer's variables are stored: the file's dtypes and bytes; for a quantized layer the bits
    /// of its kernel values and how its scales are laid out (from `QuantizedLayerFacts`).
    public struct WeightStorage: Codable, Equatable {
        public var dtype: String
        public var bytes: Int
        public var bits: Int?
        public var scaleLayout: String?
    }

    /// One row of `model.layers` (nested rows as `outer/inner` when expanded): its nodes summed.
    public struct Layer: Codable, Equatable {
        public var name: String
        public var macs: Int?
        public var otherOps: Int?
        public var activationBytes: Int?
        public var receptiveField: ReceptiveField?
        public var weightStorage: WeightStorage?
    }

    public var batch: Int
    public var macs: Int
    public var otherOps: Int
    public var activationBytes: Int
    public var peakActivationBytes: Int
    public var weightBytes: Int
    /// Nodes whose cost is unknown (unknown lengths, opaque layers): left out of the totals.
    public var unknown: [String]?
    public var layers: [Layer]

    /// The numbers of `model` for `batch` samples; weights as `stored` holds them (the graph's float32
    /// variables where the file has none for a layer).
    static func of(_ model: KerasModel, stored: StoredWeights, quantized: [QuantizedLayerFacts], policies: [DtypePolicy],
                   batch: Int, expandNested: Bool) -> InspectCost {
        let g = model.graph
        var elementBytes: [Int: Int] = [:]
        for p in policies where p.computeDtype == "float16" || p.computeDtype == "bfloat16" {
            for id in model.nodesByPath[p.layer] ?? [] { elementBytes[id] = 2 }
        }
        let cost = ModelCost.analyze(graph: g, batch: batch, elementBytes: elementBytes)
        let storedByLayer = Dictionary(grouping: stored.weights, by: \.layer)
        let quantizedByLayer = Dictionary(quantized.map { ($0.layer, $0) }, uniquingKeysWith: { a, _ in a })

        func row(_ e: ModelEntry) -> [Layer] {
            let nodes: [Int]
            if let l = e.layer {
                // A nested model's InputLayer is no node of its own: the node feeding the model stands for it.
                let applied = g.nodes.filter { $0.layer === l }.map(\.id), own = applied.isEmpty ? model.nodesByPath[e.path] ?? [] : applied
                nodes = own + g.nodes.filter { $0.layer is LayerOutput && own.contains($0.inputs.first ?? -1) }.map(\.id)
            } else {
                nodes = g.nodes.filter { $0.name.hasPrefix(e.path + "/") }.map(\.id)
            }
            let costs = nodes.map { cost.layers[$0] }
            func sum(_ k: KeyPath<LayerCost, Int?>) -> Int? {
                costs.isEmpty ? nil : costs.reduce(0 as Int?) { a, c in a.flatMap { a in c[keyPath: k].map { a + $0 } } }
            }
            let first = model.nodesByPath[e.path]?.first
            // A nested model's output bytes are its outputs' (its inner rows have the rest).
            let outputBytes = e.layer != nil ? sum(\.activationBytes)
                : (model.nodesByPath[e.path] ?? []).reduce(0 as Int?) { a, id in a.flatMap { a in cost.layers[id].activationBytes.map { a + $0 } } }
            var out = [Layer(name: e.path, macs: sum(\.macs), otherOps: sum(\.otherOps), activationBytes: outputBytes,
                             receptiveField: first.flatMap { cost.layers[$0].receptiveField },
                             weightStorage: storage(e, stored: storedByLayer, quantized: quantizedByLayer))]
            if expandNested, let c = e.children { out += c.flatMap(row) }
            return out
        }
        let layers = model.layers.flatMap(row)
        return InspectCost(batch: batch, macs: cost.macs, otherOps: cost.otherOps, activationBytes: cost.activationBytes,
                           peakActivationBytes: cost.peakActivationBytes,
                           weightBytes: model.flattenedLayers.reduce(0) { $0 + (storage($1, stored: storedByLayer, quantized: quantizedByLayer)?.bytes ?? 0) },
                           unknown: cost.unknown.isEmpty ? nil : cost.unknown, layers: layers)
    }

    /// A layer's (or a nested model's) stored variables: the file's when it has them, else the graph's float32 ones.
    static func storage(_ e: ModelEntry, stored: [String: [StoredWeight]], quantized: [String: QuantizedLayerFacts]) -> WeightStorage? {
        if e.layer == nil {
            let parts = (e.children ?? []).flatMap(\.flattenedLayers).compactMap { storage($0, stored: stored, quantized: quantized) }
            guard !parts.isEmpty else { return nil }
            return WeightStorage(dtype: distinct(parts.map(\.dtype)), bytes: parts.reduce(0) { $0 + $1.bytes })
        }
        if let q = quantized[e.path] {
            let scales = q.variables.filter { $0.name.hasSuffix("scale") }
            let layout = scales.map { v -> String in
                let what = v.shape.reduce(1, *) == 1 ? "per tensor" : q.blockSize.map { "per output and block of \($0) input rows" } ?? "per output"
                return "\(v.name) \(what) (\(v.shape.map(String.init).joined(separator: ", ")))"
            }.joined(separator: "; ")
            return WeightStorage(dtype: distinct(q.variables.map(\.dtype)), bytes: q.storageBytes, bits: QuantizationPolicy.Mode(rawValue: q.mode)?.bits,
                                 scaleLayout: layout.isEmpty ? nil : layout)
        }
        let mine = stored[e.path] ?? stored[e.name] ?? []
        if !mine.isEmpty {
            return WeightStorage(dtype: distinct(mine.map(\.dtype)),
                                 bytes: mine.reduce(0) { $0 + $1.count * storedBytes($1.dtype) })
        }
        guard let l = e.layer, l.parameterCount > 0 else { return nil }
        return WeightStorage(dtype: "float32", bytes: l.parameterCount * 4)
    }

    /// Bytes of one stored value; TF.js' quantized weights read `uint8 (float32)`: stored as the first.
    static func storedBytes(_ dtype: String) -> Int {
        QuantizedStorage.bytes(ofDType: String(dtype.split(separator: " ").first ?? ""))
    }

    static func distinct(_ dtypes: [String]) -> String {
        dtypes.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: "+")
    }
}
