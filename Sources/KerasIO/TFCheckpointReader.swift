import Foundation
import Graph
import TensorBundle

/// TensorFlow checkpoints (`model.save_weights("ckpt")`: `ckpt.index` + `ckpt.data-*`): listed like
/// `tf.train.list_variables`, and put onto a Keras architecture through the object graph (§1.8).
enum TFCheckpointReader {
    static func bundle(_ prefix: String) throws -> (TensorBundle, TFObjectGraph) {
        let b = try TensorBundle(prefix: prefix)
        return (b, try TFObjectGraph(bundle: b, file: prefix + ".index"))
    }

    /// The variables bundle of a SavedModel directory or checkpoint (as `KerasFile.sniff` found it); nil for other containers.
    static func bundle(of kind: KerasFile.Kind) throws -> TensorBundle? {
        switch kind {
        case .savedModel(let dir): return try TensorBundle(prefix: dir + "/variables/variables")
        case .tfCheckpoint(let prefix): return try TensorBundle(prefix: prefix)
        case .zip, .hdf5, .shardManifest, .kerasFolder, .tfjs: return nil
        }
    }

    static func open(_ prefix: String, label: String) throws -> KerasModelFile {
        let b = try TensorBundle(prefix: prefix)
        // Listing needs no object graph (TF1 name-based checkpoints have none); putting weights on layers does.
        let g = b.entry(TensorBundle.objectGraphKey) == nil ? nil : try TFObjectGraph(bundle: b, file: prefix + ".index")
        let facts = variables(b, g)
        let stored = storedLayers(facts)
        let opt = facts.variables.filter { $0.group == "optimizer" }
        return KerasModelFile(path: label, generation: .tfCheckpoint, kerasVersion: nil, backend: nil, isFullModel: false,
                              hasOptimizerState: !opt.isEmpty, optimizerStateBytes: opt.reduce(0) { $0 + $1.bytes },
                              training: nil, kernelOrientation: .tensorflow, model: nil,
                              storedWeights: StoredWeights(layers: stored), attachment: nil, notes: [],
                              archiveEntries: nil, storedLayers: stored,
                              tensorflow: TFContainerFacts(container: "checkpoint", bundlePrefix: prefix,
                                                           dataFiles: (0..<b.shardCount).map(b.dataFile),
                                                           tensorflowVersion: nil, metadataSource: nil, rootClass: nil,
                                                           signatures: [], assets: [], variables: facts.variables))
    }

    /// Every tensor of the bundle with its group and Keras name.
    static func variables(_ b: TensorBundle, _ g: TFObjectGraph?) -> (variables: [TFContainerFacts.Variable], names: [String: String], nodes: [String: Int]) {
        var names: [String: String] = [:]
        var nodes: [String: Int] = [:]
        for (i, n) in (g?.nodes ?? []).enumerated() {
            if let k = n.variableKey { nodes[k] = i; if let f = n.fullName { names[k] = f } }
        }
        let vars = b.entries.map { e -> TFContainerFacts.Variable in
            let group: String
            if e.key == TensorBundle.objectGraphKey || e.key.hasPrefix("save_counter/") { group = "other" }
            else if e.key.hasPrefix("keras_api/") { group = "metrics" }
            else if TFObjectGraph.isTrainingState(e.key) { group = "optimizer" }
            else if e.key.hasSuffix("/.ATTRIBUTES/VARIABLE_VALUE") || (g == nil && e.dtype != .string) { group = "weights" }
            else { group = "other" }
            return .init(key: e.key, dtype: e.dtype.name, shape: e.shape, bytes: e.byteCount, kerasName: names[e.key], group: group)
        }
        return (vars, names, nodes)
    }

    /// Model weights grouped by the Keras layer their name gives (`conv1/kernel` → `conv1`), in object-graph
    /// order (TensorFlow numbers objects breadth-first from the root: layers in order, weights in creation order).
    static func storedLayers(_ facts: (variables: [TFContainerFacts.Variable], names: [String: String], nodes: [String: Int])) -> [StoredLayer] {
        var order: [String] = []
        var byLayer: [String: [StoredWeight]] = [:]
        let weights = facts.variables.filter { $0.group == "weights" }
            .sorted { (facts.nodes[$0.key] ?? .max, $0.key) < (facts.nodes[$1.key] ?? .max, $1.key) }
        for v in weights {
            let name = v.kerasName ?? String(v.key.dropLast("/.ATTRIBUTES/VARIABLE_VALUE".count))
            let comps = name.split(separator: "/")
            let layer = comps.count > 1 ? comps.dropLast().joined(separator: "/") : name
            if byLayer[layer] == nil { order.append(layer) }
            byLayer[layer, default: []].append(StoredWeight(layer: layer, name: name, shape: v.shape, dtype: v.dtype, path: v.key))
        }
        return order.map { StoredLayer(name: $0, key: $0, weights: byLayer[$0]!, children: nil) }
    }

    static func attach(_ prefix: String, entries: [ModelEntry], label: String) throws -> WeightAttachment {
        let (b, g) = try bundle(prefix)
        var att = WeightAttacher(file: label) { try b.floats($0.path) }
        try att.attachObjectGraph(g, bundle: b, entries: entries)
        return att.report
    }
}

extension WeightAttacher {
    /// Keras' object-graph restore: child `layer-k` of a model node is `model.layers[k]` (a Sequential's
    /// InputLayer not counted, a Functional's counted: exactly `ModelEntry` order), nested models one level
    /// down; each layer's variables in `layer.weights` order. Variables no layer reaches are reported unused.
    mutating func attachObjectGraph(_ g: TFObjectGraph, bundle: TensorBundle, entries: [ModelEntry]) throws {
        var used = Set<Int>()
        try attachObjectGraph(g, bundle: bundle, entries: entries, node: g.modelRoot, used: &used)
        var unused: [String] = []
        for (i, n) in g.nodes.enumerated() where !used.contains(i) {
            guard let key = n.variableKey, !TFObjectGraph.isTrainingState(key) else { continue }
            unused.append(n.fullName ?? key)
        }
        report.unusedStored += unused
    }

    private mutating func attachObjectGraph(_ g: TFObjectGraph, bundle: TensorBundle, entries: [ModelEntry], node: Int,
                                            used: inout Set<Int>) throws {
        // TF 1.x Keras counted a Sequential's InputLayer in its tracked layers: one more `layer-k` child than
        // model.layers, the first without variables.
        // A Sequential tracks its layers without the InputLayer, where a graph built elsewhere (the Zoo) may list
        // one: the counts tell.
        let tracked = g.nodes[node].children.filter { $0.name.hasPrefix("layer-") }.count
        let offset = tracked == entries.count + 1 && g.child(node, "layer-0").map { g.layerVariables($0).isEmpty } == true ? 1 : 0
        let withoutInputs = entries.filter { !KerasConfigJSON.isInputLayer($0.className) }
        let entries = tracked != entries.count && tracked == withoutInputs.count ? withoutInputs : entries
        guard tracked == entries.count + offset else {
            throw KerasIOError(file: file, object: node == g.modelRoot ? "object graph" : "object graph node \(node)",
                               "the saved model tracks \(tracked) layers but the architecture has \(entries.count) (\(entries.prefix(4).map(\.name).joined(separator: ", "))\(entries.count > 4 ? ", …" : "")): written by another architecture",
                               kind: .architectureMismatch)
        }
        for (k, e) in entries.enumerated() {
            guard let lid = g.child(node, "layer-\(k + offset)") else {
                if Self.knownToHaveWeights(e) {
                    throw KerasIOError(file: file, object: "layer '\(e.path)'", "the object graph has no 'layer-\(k)' for it: the checkpoint was written by another architecture", kind: .architectureMismatch)
                }
                continue
            }
            if let children = e.children {
                try attachObjectGraph(g, bundle: bundle, entries: children, node: lid, used: &used)
                continue
            }
            guard let layer = e.layer else { continue }
            let vars = g.layerVariables(lid)
            var stored = try vars.map { v -> StoredWeight in
                let key = g.nodes[v.node].variableKey!
                guard let be = bundle.entry(key) else {
                    throw KerasIOError(file: file, object: "layer '\(e.path)'", "variable '\(key)' is in the object graph but not in the index")
                }
                return StoredWeight(layer: e.path, name: g.nodes[v.node].fullName ?? v.path, shape: be.shape, dtype: be.dtype.name, path: key)
            }
            // Creation order is layer.weights order except where a layer creates a non-trainable weight first:
            // follow the layer's own names when they are the same set.
            let short = vars.map { TFObjectGraph.shortName($0.path) }
            let want = layer.weights.map(\.name)
            if short.count == want.count, Set(short) == Set(want), short.count == Set(short).count, short != want {
                stored = want.map { w in stored[short.firstIndex(of: w)!] }
            }
            try assign(stored, to: layer, path: e.path, className: e.className, config: e.config, keras3Names: false)
            used.formUnion(vars.map(\.node))
        }
    }
}
