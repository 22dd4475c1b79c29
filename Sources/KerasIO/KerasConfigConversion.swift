import Graph

/// Rewrites a model config between the conventions of Keras 3 and of tf-keras / Keras 2, so a file
/// written for one loads in the other. Only what differs is touched; everything else is kept as read.
public enum KerasConfigConversion {
    /// Keras 3 keys that tf-keras layers do not accept (they reject unknown keyword arguments).
    static let keras3OnlyLayerKeys: Set<String> = ["quantization_config", "lora_rank", "lora_alpha", "lora_enabled"]
    /// Keras 3 initializer arguments tf-keras initializers do not accept.
    static let keras3OnlyInitializerKeys: Set<String> = ["input_axes", "output_axes"]

    /// Whether a config is written the Keras 3 way (`batch_shape`, `{"args", "kwargs"}` nodes, dtype policies).
    public static func isKeras3(_ config: JSON) -> Bool {
        let text = config.serialized()
        if text.contains("\"batch_input_shape\"") { return false }
        return text.contains("\"batch_shape\"") || text.contains("\"__keras_tensor__\"") || text.contains("\"DTypePolicy\"")
    }

    // MARK: Keras 3 → tf-keras

    /// A Keras 3 model config (`{"class_name", "config"}`) as tf-keras writes one.
    public static func toTFKeras(_ model: JSON) -> JSON { tfEntry(model) }

    /// One layer or model entry.
    static func tfEntry(_ entry: JSON) -> JSON {
        guard var o = entry.objectValue else { return entry }
        let cls = o["class_name"]?.stringValue ?? ""
        if o["registered_name"]?.isNull ?? true { o["module"] = nil; o["registered_name"] = nil }
        if cls == "Model" { o["class_name"] = "Functional" }
        if let c = o["config"] {
            if KerasConfigJSON.modelClasses.contains(cls) {
                o["config"] = tfModelConfig(c, className: cls)
            } else {
                o["config"] = tfLayerConfig(c, className: cls)
                if LayerRegistry.bindsCalls(cls), let first = o["inbound_nodes"]?.arrayValue?.first, let lc = o["config"]?.objectValue {
                    o["config"] = .object(LayerRegistry.tfKerasConfig(fromKeras3: lc, className: cls,
                                                                      inputShapes: callShapes(first, className: cls)))
                }
            }
        }
        if let nodes = o["inbound_nodes"]?.arrayValue {
            o["inbound_nodes"] = .array(nodes.map { tfInboundNode($0, className: cls) })
        }
        return .object(o)
    }

    static func tfModelConfig(_ config: JSON, className: String) -> JSON {
        guard var c = config.objectValue else {
            // Keras 2.2.4 Sequential: the layer list itself.
            if let a = config.arrayValue { return .array(a.map(tfEntry)) }
            return config
        }
        if let d = c["dtype"], d.objectValue != nil { c["dtype"] = nil }
        if let layers = c["layers"]?.arrayValue { c["layers"] = .array(layers.map(tfEntry)) }
        for key in ["input_layers", "output_layers"] {
            if let refs = c[key]?.arrayValue, refs.first?.stringValue != nil { c[key] = .array([.array(refs)]) }
        }
        return .object(c)
    }

    static func tfLayerConfig(_ config: JSON, className: String) -> JSON {
        guard var c = config.objectValue else { return config }
        for k in keras3OnlyLayerKeys where c[k] != nil { c[k] = nil }
        if c["rms_scaling"]?.boolValue == false { c["rms_scaling"] = nil }      // Keras 3 LayerNormalization's default
        if KerasConfigJSON.isInputLayer(className), let shape = c["batch_shape"] {
            var n = JSONObject()
            n["batch_input_shape"] = shape
            for (k, v) in c.pairs where k != "batch_shape" { n[k] = v }
            c = n
        }
        var out = JSONObject()
        for (k, v) in c.pairs { out[k] = tfValue(v, key: k) }
        return .object(out)
    }

    /// Values inside a layer config: dtype policies become their name, initializers lose Keras 3 arguments.
    static func tfValue(_ v: JSON, key: String) -> JSON {
        guard var o = v.objectValue else { return v }
        let cls = o["class_name"]?.stringValue ?? ""
        if cls.hasSuffix("DTypePolicy"), let name = o["config"]?["name"] { return name }
        // A wrapped layer (Bidirectional's `layer`, TimeDistributed's): converted as a layer entry.
        if o["module"]?.stringValue == "keras.layers", o["config"]?.objectValue != nil {
            o["build_config"] = nil
            return tfEntry(.object(o))
        }
        if (o["module"]?.stringValue ?? "").hasPrefix("keras.initializers") || key.hasSuffix("_initializer"),
           var ic = o["config"]?.objectValue {
            for k in keras3OnlyInitializerKeys { ic[k] = nil }
            o["config"] = .object(ic)
        }
        o["shared_object_id"] = nil
        return .object(o)
    }

    /// `{"args": [...], "kwargs": {...}}` → `[[layer, node, tensor, kwargs], ...]`. For a kind that binds
    /// its call (attention), tf-keras passes only the first tensor positionally: the other positional ones
    /// and tensors under keywords stay keywords, as `[layer, node, tensor]`.
    static func tfInboundNode(_ node: JSON, className: String = "") -> JSON {
        guard node.objectValue != nil else { return node }
        let binds = LayerRegistry.bindsCalls(className), names = LayerRegistry.callArguments(ofClass: className)
        var refs: [JSON] = []
        var kwargs = JSONObject()
        let args = node["args"]?.arrayValue ?? []
        if binds && args.count > 1 {
            for (i, a) in args.enumerated() {
                var tensors: [JSON] = []
                collectHistories(a, into: &tensors)
                if i > 0, i < names.count, tensors.count == 1 { kwargs[names[i]] = tensors[0] } else { refs += tensors }
            }
        } else {
            collectHistories(node["args"], into: &refs)
        }
        if let kw = node["kwargs"]?.objectValue {
            for (k, v) in kw.pairs where !v.isNull {
                var tensors: [JSON] = []
                collectHistories(v, into: &tensors)
                if tensors.isEmpty { kwargs[k] = v } else if binds { kwargs[k] = tensors.count == 1 ? tensors[0] : .array(tensors) } else { refs += tensors }
            }
        }
        if binds, refs.isEmpty, let first = names.first, let r = kwargs[first] {   // query=… passed by keyword
            refs = [r]
            kwargs[first] = nil
        }
        return .array(refs.map { r in
            var a = r.arrayValue ?? []
            a = Array(a.prefix(3))
            a.append(.object(kwargs))
            return .array(a)
        })
    }

    /// The shapes of a Keras 3 node's tensors by argument name (positional ones named by the kind's call).
    static func callShapes(_ node: JSON, className: String) -> [String: JSON] {
        let names = LayerRegistry.callArguments(ofClass: className)
        var shapes: [String: JSON] = [:]
        func shape(_ v: JSON) -> JSON? { v["class_name"]?.stringValue == "__keras_tensor__" ? v["config"]?["shape"] : nil }
        for (i, a) in (node["args"]?.arrayValue ?? []).enumerated() where i < names.count {
            if let s = shape(a) { shapes[names[i]] = s }
        }
        for (k, v) in node["kwargs"]?.objectValue?.pairs ?? [] { if let s = shape(v) { shapes[k] = s } }
        return shapes
    }

    static func collectHistories(_ v: JSON?, into out: inout [JSON]) {
        guard let v else { return }
        switch v {
        case .array(let a): for x in a { collectHistories(x, into: &out) }
        case .object(let o):
            if o["class_name"]?.stringValue == "__keras_tensor__", let h = o["config"]?["keras_history"] {
                out.append(h)
            } else {
                for (_, x) in o.pairs { collectHistories(x, into: &out) }
            }
        default: return
        }
    }

    // MARK: Tensor shapes

    /// Fills `__keras_tensor__` shapes Keras 3 needs (it refuses undefined shapes) from the built graph:
    /// `keras_history` [layer, node, tensor] → that layer's node output shape, batch dimension null.
    public static func fillTensorShapes(_ model: JSON, from keras: KerasModel) -> JSON {
        fillModel(model, prefix: "", keras: keras)
    }

    /// A model entry whose layers live under `prefix` in the graph ("" for the top model).
    static func fillModel(_ entry: JSON, prefix: String, keras: KerasModel) -> JSON {
        guard var o = entry.objectValue, var c = o["config"]?.objectValue, let layers = c["layers"]?.arrayValue else { return entry }
        c["layers"] = .array(layers.map { layer -> JSON in
            guard var lo = layer.objectValue else { return layer }
            if let nodes = lo["inbound_nodes"] { lo["inbound_nodes"] = fillTensors(nodes, prefix: prefix, keras: keras) }
            if let cls = lo["class_name"]?.stringValue, KerasConfigJSON.modelClasses.contains(cls),
               let name = KerasConfigJSON.layerName(layer) {
                return fillModel(.object(lo), prefix: prefix + name + "/", keras: keras)
            }
            return .object(lo)
        })
        o["config"] = .object(c)
        return .object(o)
    }

    static func fillTensors(_ v: JSON, prefix: String, keras: KerasModel) -> JSON {
        switch v {
        case .array(let a): return .array(a.map { fillTensors($0, prefix: prefix, keras: keras) })
        case .object(var o):
            if o["class_name"]?.stringValue == "__keras_tensor__", var c = o["config"]?.objectValue {
                if c["shape"]?.isNull ?? true, let h = c["keras_history"]?.arrayValue, let name = h.first?.stringValue,
                   let ids = keras.nodesByPath[prefix + name], !ids.isEmpty {
                    let nodeIndex = h.count > 1 ? (h[1].intValue ?? 0) : 0
                    let shape = keras.graph.nodes[ids[min(nodeIndex, ids.count - 1)]].outputShape
                    c["shape"] = .array([.null] + shape.map { $0 < 0 ? JSON.null : JSON.number(Double($0)) })
                    o["config"] = .object(c)
                }
                return .object(o)
            }
            var out = JSONObject()
            for (k, x) in o.pairs { out[k] = fillTensors(x, prefix: prefix, keras: keras) }
            return .object(out)
        default: return v
        }
    }

    // MARK: tf-keras / Keras 2 → Keras 3

    /// A tf-keras or Keras 2 model config as Keras 3 writes one.
    public static func toKeras3(_ model: JSON) -> JSON { k3Entry(model) }

    static func k3Entry(_ entry: JSON) -> JSON {
        guard var o = entry.objectValue else { return entry }
        let cls = o["class_name"]?.stringValue ?? ""
        if cls == "Model" { o["class_name"] = "Functional" }
        if let c = o["config"] {
            if KerasConfigJSON.modelClasses.contains(cls) {
                o["config"] = k3ModelConfig(c, className: cls == "Model" ? "Functional" : cls)
            } else {
                o["config"] = k3LayerConfig(c, className: cls)
            }
        }
        if let nodes = o["inbound_nodes"]?.arrayValue {
            o["inbound_nodes"] = .array(nodes.map(k3InboundNode))
        }
        return .object(o)
    }

    static func k3ModelConfig(_ config: JSON, className: String) -> JSON {
        var c: JSONObject
        if let a = config.arrayValue {
            // Keras 2.2.4 Sequential: a bare list.
            c = JSONObject()
            c["name"] = "sequential"
            c["layers"] = .array(a)
        } else if let o = config.objectValue {
            c = o
        } else {
            return config
        }
        if var layers = c["layers"]?.arrayValue {
            if KerasConfigJSON.isSequential(className), let first = layers.first, !KerasConfigJSON.isInputLayer(KerasConfigJSON.className(first)),
               let fc = first["config"]?.objectValue, let shape = fc["batch_input_shape"] ?? fc["batch_shape"] {
                // Keras 3 wants the InputLayer spelled out; Keras 2 named it after the first layer.
                let firstName = KerasConfigJSON.layerName(first) ?? "sequential"
                let input: JSON = ["class_name": "InputLayer",
                                   "config": ["batch_shape": shape, "dtype": fc["dtype"]?.stringValue.map(JSON.string) ?? "float32",
                                              "sparse": false, "name": .string(firstName + "_input")]]
                var stripped = fc
                stripped["batch_input_shape"] = nil
                stripped["batch_shape"] = nil
                var firstObject = first.objectValue!
                firstObject["config"] = .object(stripped)
                layers[0] = .object(firstObject)
                layers.insert(input, at: 0)
            }
            c["layers"] = .array(layers.map(k3Entry))
        }
        // Keras 3 writes a single input or output as one flat ref; a one-element list makes the model
        // return a list, which breaks the layer after a nested model.
        for key in ["input_layers", "output_layers"] {
            if let refs = c[key]?.arrayValue, refs.count == 1, let only = refs[0].arrayValue, only.first?.stringValue != nil {
                c[key] = .array(only)
            }
        }
        return .object(c)
    }

    static func k3LayerConfig(_ config: JSON, className: String) -> JSON {
        guard var c = config.objectValue else { return config }
        if KerasConfigJSON.isInputLayer(className), let shape = c["batch_input_shape"] {
            var n = JSONObject()
            n["batch_shape"] = shape
            for (k, v) in c.pairs where k != "batch_input_shape" { n[k] = v }
            c = n
        }
        // Arguments tf-keras writes that Keras 3 rejects or reads differently: the kind knows.
        return .object(LayerRegistry.keras3Config(fromLegacy: c, className: className))
    }

    /// `[[layer, node, tensor, kwargs], ...]` → `{"args": [tensor or [tensors]], "kwargs": {...}}`.
    static func k3InboundNode(_ node: JSON) -> JSON {
        guard let refs = node.arrayValue else { return node }
        var tensors: [JSON] = []
        var kwargs = JSONObject()
        for r in refs {
            guard let a = r.arrayValue, a.count >= 3 else { continue }
            tensors.append(k3Tensor(Array(a.prefix(3))))
            if a.count > 3, let kw = a[3].objectValue { for (k, v) in kw.pairs { kwargs[k] = k3Tensors(in: v) } }
        }
        let args: JSON = tensors.count == 1 ? tensors[0] : .array(tensors)
        return ["args": [args], "kwargs": .object(kwargs)]
    }

    /// A Keras 3 tensor for the history `[layer, node, tensor]` (its shape filled from the graph later).
    static func k3Tensor(_ history: [JSON]) -> JSON {
        ["class_name": "__keras_tensor__", "config": ["shape": .null, "dtype": "float32", "keras_history": .array(history)]]
    }

    /// A tf-keras kwarg value with its tensor references (`[layer, node, tensor]`) as Keras 3 tensors.
    static func k3Tensors(in v: JSON) -> JSON {
        if KerasConfigJSON.isLegacyRef(v), let a = v.arrayValue { return k3Tensor(a) }
        if let a = v.arrayValue { return .array(a.map(k3Tensors)) }
        return v
    }
}
