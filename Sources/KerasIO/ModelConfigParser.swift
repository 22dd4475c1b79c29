import Graph

/// Turns a Keras `model_config` (any generation) into a `KerasModel`: a flattened `Graph`
/// plus model.layers order and nesting. Never imports or runs anything named in the config.
public struct ModelConfigParser {
    /// File the config came from, for error messages.
    public var file: String
    /// Keras 1 configs (`dim_ordering`, `nb_filter` …) are kept as opaque layers.
    public var isKeras1: Bool
    /// What activation names mean in this config (Keras 2 and tf-keras differ from Keras 3).
    public var dialect: ActivationDialect
    public var jsonLimits: JSONParser

    public init(file: String, isKeras1: Bool = false, dialect: ActivationDialect = .keras3,
                jsonLimits: JSONParser = JSONParser(maxDepth: 512)) {
        self.file = file
        self.isKeras1 = isKeras1
        self.dialect = dialect
        self.jsonLimits = jsonLimits
    }

    /// Parses JSON text (untrusted: depth and size limited).
    public func parse(text: String, object: String = "model_config") throws -> KerasModel {
        let json: JSON
        do { json = try jsonLimits.parse(text) } catch {
            throw KerasIOError(file: file, object: object, "unreadable JSON: \(error)")
        }
        return try parse(json: json, object: object)
    }

    public func parse(json: JSON, object: String = "model_config") throws -> KerasModel {
        guard let cls = KerasConfigJSON.className(json), let config = json["config"] else {
            throw KerasIOError(file: file, object: object, "config has no class_name/config")
        }
        guard KerasConfigJSON.modelClasses.contains(cls) else {
            throw KerasIOError(file: file, object: object, "top-level class '\(cls)' is not a Sequential or Functional model")
        }
        let b = ConfigGraphBuilder(file: file, object: object, isKeras1: isKeras1, dialect: dialect)
        let name = config["name"]?.stringValue ?? (KerasConfigJSON.isSequential(cls) ? "sequential" : "model")
        b.graph = Graph(name: name)
        let built = try b.buildModel(className: cls, config: config, prefix: "", inputs: nil)
        b.graph.outputNodes = built.outputs
        let model = KerasModel(name: name, className: cls, graph: b.graph, layers: built.entries,
                               unknownShapeNodes: b.unknown, notes: b.notes, nodesByPath: b.nodesByPath)
        model.sourceConfig = json
        return model
    }
}

final class ConfigGraphBuilder {
    let file: String
    let object: String
    let isKeras1: Bool
    let dialect: ActivationDialect
    var graph = Graph(name: "")
    var unknown = Set<Int>()
    var notes: [String] = []
    var nodesByPath: [String: [Int]] = [:]
    /// Layers by path, so a nested model applied twice reuses its layers.
    var layerCache: [String: any Layer] = [:]
    var depth = 0

    init(file: String, object: String, isKeras1: Bool, dialect: ActivationDialect) {
        self.file = file
        self.object = object
        self.isKeras1 = isKeras1
        self.dialect = dialect
    }

    func fail(_ where_: String, _ message: String) -> KerasIOError {
        KerasIOError(file: file, object: where_.isEmpty ? object : "\(object): layer '\(where_)'", message)
    }

    /// Builds a (possibly nested) model. With `inputs` nil its InputLayers become graph inputs;
    /// otherwise they are bound to the given nodes.
    func buildModel(className: String, config: JSON, prefix: String, inputs: [Int]?) throws
        -> (outputs: [Int], entries: [ModelEntry]) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw fail(prefix, "models nested more than 64 levels deep") }
        if KerasConfigJSON.isSequential(className) { return try buildSequential(config: config, prefix: prefix, inputs: inputs) }
        return try buildFunctional(config: config, prefix: prefix, inputs: inputs)
    }

    // MARK: Sequential

    func buildSequential(config: JSON, prefix: String, inputs: [Int]?) throws -> (outputs: [Int], entries: [ModelEntry]) {
        // Keras 2.2.4 wrote the layer list itself as the config; later versions {"name", "layers"}.
        let list: [JSON]
        if let a = config.arrayValue { list = a } else if let a = config["layers"]?.arrayValue { list = a } else {
            throw fail(prefix, "Sequential config has no layer list")
        }
        var entries: [ModelEntry] = []
        var current: [Int]
        var rest = list[...]
        if isKeras1, inputs == nil, let first = rest.first, let merged = try keras1BranchMerge(first, prefix: prefix) {
            (current, entries) = merged
            rest = rest.dropFirst()
        } else if let first = rest.first, KerasConfigJSON.isInputLayer(KerasConfigJSON.className(first)) {
            rest = rest.dropFirst()
            if let inputs { current = inputs } else {
                current = [try addInputLayer(entry: first, prefix: prefix)]
            }
        } else if let inputs {
            current = inputs
        } else {
            guard let first = rest.first else { throw fail(prefix, "Sequential model has no layers") }
            let fc = first["config"] ?? .null
            let shapeKey = fc["batch_shape"] != nil ? "batch_shape" : "batch_input_shape"
            if let shape = fc[shapeKey], !shape.isNull {
                // Keras names the generated input after the first layer.
                let firstName = KerasConfigJSON.layerName(first) ?? "sequential"
                let name = "\(firstName)_input"
                var ic = JSONObject()
                ic["batch_input_shape"] = shape
                ic["dtype"] = fc["dtype"]?.stringValue.map(JSON.string) ?? "float32"
                ic["name"] = .string(name)
                current = [try addInputLayer(entry: ["class_name": "InputLayer", "config": .object(ic)], prefix: prefix)]
            } else if let fcls = KerasConfigJSON.className(first), KerasConfigJSON.modelClasses.contains(fcls) {
                current = []  // a nested model first: it brings its own inputs
            } else {
                throw fail(KerasConfigJSON.layerName(first) ?? "", "Sequential model has no InputLayer and its first layer no batch_input_shape")
            }
        }
        var isFirst = true
        for entry in rest {
            let ins: [Int]? = (isFirst && current.isEmpty) ? nil : current
            isFirst = false
            let (outs, e) = try apply(entry: entry, prefix: prefix, inputs: ins, node: 0, declared: nil)
            entries.append(e)
            current = outs
        }
        return (current, entries)
    }

    /// Keras 1's Sequential starting with a `Merge` of whole branch models (`layers` in its config): each branch
    /// built with its own inputs, its layers listed at the top as Keras 1's `flattened_layers` (and its weights
    /// file) did, then the merge of the branches' outputs. Nil when `entry` is no such Merge.
    func keras1BranchMerge(_ entry: JSON, prefix: String) throws -> (outputs: [Int], entries: [ModelEntry])? {
        guard KerasConfigJSON.className(entry) == "Merge", var config = entry["config"]?.objectValue,
              let branches = config["layers"]?.arrayValue else { return nil }
        let name = KerasConfigJSON.layerName(entry) ?? "merge"
        var outputs: [Int] = [], entries: [ModelEntry] = []
        for (i, branch) in branches.enumerated() {
            guard let cls = KerasConfigJSON.className(branch), KerasConfigJSON.modelClasses.contains(cls), let c = branch["config"] else {
                throw fail(prefix + name, "Merge branch \(i) is not a Sequential or Model config")
            }
            let built = try buildModel(className: cls, config: c, prefix: prefix, inputs: nil)
            guard built.outputs.count == 1 else { throw fail(prefix + name, "Merge branch \(i) has \(built.outputs.count) outputs, not one") }
            outputs += built.outputs
            entries += built.entries
        }
        config["layers"] = nil
        var merge = entry.objectValue ?? JSONObject()
        merge["config"] = .object(config)
        let (outs, e) = try apply(entry: .object(merge), prefix: prefix, inputs: outputs, node: 0, declared: nil)
        return (outs, entries + [e])
    }

    // MARK: Functional

    func buildFunctional(config: JSON, prefix: String, inputs: [Int]?) throws -> (outputs: [Int], entries: [ModelEntry]) {
        guard let list = config["layers"]?.arrayValue else { throw fail(prefix, "Functional config has no layers") }
        guard let inRefs = KerasConfigJSON.refList(config["input_layers"]),
              let outRefs = KerasConfigJSON.refList(config["output_layers"]) else {
            throw fail(prefix, "Functional config has no input_layers/output_layers")
        }
        typealias Ref = KerasConfigJSON.TensorRef
        struct Pending { let index: Int; let name: String; let nodes: [KerasConfigJSON.InboundNode]; var done = 0 }
        var pending: [Pending] = []
        // Shapes Keras 3 recorded for tensors: declared output shapes of their producers.
        var declared: [Ref: [Int]] = [:]
        var names = Set<String>()
        for (i, entry) in list.enumerated() {
            guard let name = KerasConfigJSON.layerName(entry), KerasConfigJSON.className(entry) != nil else {
                throw fail(prefix, "layer entry \(i) has no name or class_name")
            }
            guard names.insert(name).inserted else { throw fail(prefix + name, "duplicate layer name") }
            var nodes: [KerasConfigJSON.InboundNode] = []
            for (k, n) in (entry["inbound_nodes"]?.arrayValue ?? []).enumerated() {
                guard let node = KerasConfigJSON.inboundNode(n) else {
                    throw fail(prefix + name, "inbound node \(k) is not understood: \(n.serialized().prefix(120))")
                }
                for t in node.inputs { if let s = t.shape { declared[t.ref] = s } }
                nodes.append(node)
            }
            pending.append(Pending(index: i, name: name, nodes: nodes))
        }
        var produced: [String: [Int: [Int]]] = [:]  // layer → node index → output node ids
        var entries = [ModelEntry?](repeating: nil, count: list.count)

        // Input layers: graph inputs at top level, bound to the caller's tensors when nested.
        for (k, r) in inRefs.enumerated() {
            guard let i = pending.firstIndex(where: { $0.name == r.layer }) else {
                throw fail(prefix, "input layer '\(r.layer)' is not among the layers")
            }
            let entry = list[pending[i].index]
            let id: Int
            if let inputs {
                guard k < inputs.count else { throw fail(prefix, "model called with \(inputs.count) inputs, needs \(inRefs.count)") }
                id = inputs[k]
                nodesByPath[prefix + r.layer, default: []].append(id)
            } else if KerasConfigJSON.isInputLayer(KerasConfigJSON.className(entry)) {
                id = try addInputLayer(entry: entry, prefix: prefix)
            } else {
                throw fail(prefix + r.layer, "model input is not an InputLayer")
            }
            produced[r.layer, default: [:]][0] = [id]
            if KerasConfigJSON.isInputLayer(KerasConfigJSON.className(entry)) {
                let layer = try makeLayer(entry: entry, path: prefix + r.layer)
                entries[pending[i].index] = ModelEntry(name: r.layer, path: prefix + r.layer, className: "InputLayer",
                                                       layer: layer, children: nil,
                                                       config: entry["config"] ?? .null)
                pending[i].done = max(pending[i].done, 1)
            }
        }
        // Apply nodes once their inputs exist; Keras does the same in passes.
        var progress = true
        while progress {
            progress = false
            for p in pending.indices where pending[p].done < pending[p].nodes.count {
                let k = pending[p].done
                let node = pending[p].nodes[k]
                var ids: [Int] = []
                var ready = true
                for t in node.inputs {
                    guard let outs = produced[t.ref.layer]?[t.ref.node] else { ready = false; break }
                    guard t.ref.tensor < outs.count else {
                        throw fail(prefix + pending[p].name, "refers to output \(t.ref.tensor) of '\(t.ref.layer)', which has \(outs.count)")
                    }
                    ids.append(outs[t.ref.tensor])
                }
                guard ready else { continue }
                let name = pending[p].name
                let decl = declared[Ref(layer: name, node: k, tensor: 0)]
                let (outs, e) = try apply(entry: list[pending[p].index], prefix: prefix, inputs: ids, node: k, declared: decl,
                                          call: node.call)
                if entries[pending[p].index] == nil { entries[pending[p].index] = e }
                produced[name, default: [:]][k] = outs
                pending[p].done += 1
                progress = true
            }
        }
        if let stuck = pending.first(where: { $0.done < $0.nodes.count }) {
            let missing = stuck.nodes[stuck.done].inputs.map(\.ref).first { produced[$0.layer]?[$0.node] == nil }
            throw fail(prefix + stuck.name, "inbound node \(stuck.done) needs '\(missing?.layer ?? "?")' node \(missing?.node ?? 0), which is never produced")
        }
        var outputs: [Int] = []
        for r in outRefs {
            guard let outs = produced[r.layer]?[r.node], r.tensor < outs.count else {
                throw fail(prefix, "output '\(r.layer)' node \(r.node) is never produced")
            }
            outputs.append(outs[r.tensor])
        }
        // Layers never called (no inbound nodes and not inputs) are still listed, like Keras does.
        var listed: [ModelEntry] = []
        for (i, e) in entries.enumerated() {
            if let e { listed.append(e); continue }
            let entry = list[i]
            let name = KerasConfigJSON.layerName(entry) ?? "?"
            let layer = try makeLayer(entry: entry, path: prefix + name)
            listed.append(ModelEntry(name: name, path: prefix + name, className: KerasConfigJSON.className(entry) ?? "?",
                                     layer: layer, children: nil, config: entry["config"] ?? .null))
        }
        return (outputs, listed)
    }

    // MARK: Layers

    func addInputLayer(entry: JSON, prefix: String) throws -> Int {
        let name = KerasConfigJSON.layerName(entry) ?? "input"
        let path = prefix + name
        let layer = try makeLayer(entry: entry, path: path)
        let id: Int
        do { id = try graph.add(layer, inputs: [], name: path) } catch {
            throw fail(path, "\(error)")
        }
        if layer is OpaqueLayer { unknown.insert(id) }
        nodesByPath[path, default: []].append(id)
        graph.inputNodes.append(id)
        return id
    }

    func makeLayer(entry: JSON, path: String) throws -> any Layer {
        if let l = layerCache[path] { return l }
        let cls = KerasConfigJSON.className(entry) ?? "Unknown"
        let name = KerasConfigJSON.layerName(entry) ?? path
        let config = entry["config"] ?? .null
        let layer: any Layer
        do {
            // Keras 1 configs (`nb_filter`, `dim_ordering` …) read as the Keras 2 configs of the same layers.
            // A Keras 1 Merge reads as the Keras 2 merge of its mode.
            var (made, read) = (cls, config)
            if isKeras1 {
                let k1 = try LayerRegistry.keras1Layer(className: cls, config: config.objectValue ?? JSONObject(), layer: name)
                (made, read) = (k1.className, .object(k1.config))
                if made != cls { notes.append("layer '\(path)' (Keras 1 \(cls)) runs as \(made)") }
            }
            layer = try LayerRegistry.make(className: made, name: name, config: read, dialect: dialect)
            for key in LayerRegistry.unknownConfigKeys(in: read, className: made) {
                notes.append("warning: layer '\(path)' (\(cls)): setting '\(key)' is not one Keras writes for \(cls); ignored")
            }
        } catch {
            // Wrong types and impossible values: listed, never run, with the reason.
            layer = try refused(cls, name, config, path: path, because: error)
        }
        if OpaqueLayer.holdsCode(cls) {
            notes.append("layer '\(path)' is a Lambda: it holds Python code, which ConvScope never executes")
        } else if let opaque = layer as? OpaqueLayer, opaque.buildFailure == nil {
            notes.append("layer '\(path)' has class \(cls), which ConvScope lists but cannot run")
        }
        notes += layer.remarks.map { "layer '\(path)' (\(cls)): \($0)" }
        layerCache[path] = layer
        return layer
    }

    func opaque(_ cls: String, _ name: String, _ config: JSON) throws -> OpaqueLayer {
        let l = try OpaqueLayer(name: name, config: config)
        l.className = cls
        return l
    }

    /// A kind ConvScope runs whose config it could not build: listed with the reason, refused when run.
    func refused(_ cls: String, _ name: String, _ config: JSON, path: String, because error: Error) throws -> OpaqueLayer {
        notes.append("layer '\(path)' (\(cls)) cannot run: \(error)")
        let l = try opaque(cls, name, config)
        l.buildFailure = "\(error)"
        return l
    }

    /// Applies one layer entry (or nested model) to `inputs`; returns its output node ids and its entry.
    func apply(entry: JSON, prefix: String, inputs: [Int]?, node k: Int, declared: [Int]?, call: LayerCall? = nil) throws
        -> ([Int], ModelEntry) {
        guard let cls = KerasConfigJSON.className(entry), let name = KerasConfigJSON.layerName(entry) else {
            throw fail(prefix, "layer entry has no class_name or name")
        }
        let path = prefix + name
        let config = entry["config"] ?? .null
        if KerasConfigJSON.modelClasses.contains(cls) {
            let sub = try buildModel(className: cls, config: config, prefix: path + "/", inputs: inputs)
            nodesByPath[path, default: []] += sub.outputs
            return (sub.outputs, ModelEntry(name: name, path: path, className: cls, layer: nil,
                                            children: sub.entries, config: config))
        }
        let ins = inputs ?? []
        var layer = try makeLayer(entry: entry, path: path)
        let inputUnknown = ins.contains { unknown.contains($0) }
        if inputUnknown, !(layer is OpaqueLayer), nodesByPath[path] == nil {
            // Its input shape is unknown, so neither are its weights' shapes: keep it opaque (the graph
            // cannot run anyway, an upstream layer is opaque).
            layer = try opaque(cls, name, config)
            layerCache[path] = layer
        }
        var isUnknown = false
        if let o = layer as? OpaqueLayer {
            if let declared {
                o.declaredOutputShape = declared
            } else if LayerRegistry.preservesShape(cls), !inputUnknown, !isKeras1 {
                o.declaredOutputShape = ins.first.map { graph.nodes[$0].outputShape }
            } else {
                o.declaredOutputShape = nil
                isUnknown = true
            }
        }
        let id: Int
        do {
            if let binding = layer as? any CallBindingLayer { try binding.bind(call ?? .positional(ins.count)) }
            id = try graph.add(layer, inputs: ins, name: path)
        } catch {
            guard !(layer is OpaqueLayer), nodesByPath[path] == nil else { throw fail(path, "\(error)") }
            // A kind ConvScope runs but whose build refused this config: list it, don't run it.
            let o = try refused(cls, name, config, path: path, because: error)
            o.declaredOutputShape = declared
            isUnknown = declared == nil
            layerCache[path] = o
            id = try graph.add(o, inputs: ins, name: path)
        }
        if isUnknown { unknown.insert(id) }
        nodesByPath[path, default: []].append(id)
        let e = ModelEntry(name: name, path: path, className: cls, layer: layerCache[path], children: nil, config: config)
        return (try graph.addOutputNodes(of: id), e)                            // one node per output (MultiOutput.swift)
    }
}
