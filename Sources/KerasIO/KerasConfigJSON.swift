import Graph

/// Helpers for the shapes Keras configs take across generations.
enum KerasConfigJSON {
    static let modelClasses: Set<String> = ["Sequential", "Functional", "Model"]

    /// Whether a model class is a Sequential container (its layers chained, no inbound nodes).
    static func isSequential(_ cls: String?) -> Bool { cls == "Sequential" }

    /// Whether a class name is the graph's entry layer (asked of `LayerRegistry`).
    static func isInputLayer(_ cls: String?) -> Bool { cls.map { LayerRegistry.kind(named: $0) is InputLayer.Type } ?? false }

    /// A layer or model entry: `class_name`, `config`, and optionally `name`, `inbound_nodes`.
    /// Keras 3 adds `module` / `registered_name`; those are ignored (never imported).
    static func className(_ entry: JSON) -> String? { entry["class_name"]?.stringValue }

    /// Layer name: entry-level `name` (Functional), else `config.name`.
    static func layerName(_ entry: JSON) -> String? {
        entry["name"]?.stringValue ?? entry["config"]?["name"]?.stringValue
    }

    /// Per-sample shape from a Keras shape list (`[null, 16, 16, 3]`): drops the batch, null → -1.
    static func sampleShape(_ v: JSON?) -> [Int]? {
        guard let a = v?.arrayValue, !a.isEmpty else { return nil }
        var out: [Int] = []
        for x in a.dropFirst() {
            if x.isNull { out.append(-1) } else if let i = x.intValue { out.append(i) } else { return nil }
        }
        return out
    }

    /// A tensor reference `[name, node_index, tensor_index, ...]`.
    struct TensorRef: Hashable {
        let layer: String
        let node: Int
        let tensor: Int
    }

    static func ref(_ v: JSON) -> TensorRef? {
        guard let a = v.arrayValue, a.count >= 1, let n = a[0].stringValue else { return nil }
        let node = a.count > 1 ? (a[1].intValue ?? 0) : 0
        let tensor = a.count > 2 ? (a[2].intValue ?? 0) : 0
        return TensorRef(layer: n, node: node, tensor: tensor)
    }

    /// `input_layers` / `output_layers`: a list of refs, or (Keras 3, single tensor) one ref.
    static func refList(_ v: JSON?) -> [TensorRef]? {
        guard let a = v?.arrayValue else { return nil }
        if a.first?.stringValue != nil { return ref(.array(a)).map { [$0] } }
        var out: [TensorRef] = []
        for x in a {
            // Keras 3 may nest dict-structured outputs; take refs in order.
            if let r = ref(x) { out.append(r) } else if let inner = refList(x) { out += inner } else { return nil }
        }
        return out
    }

    /// One inbound node: the tensors it consumes in order, each with the shape Keras recorded (Keras 3 only),
    /// and how the call passed them (`LayerCall`: positional or under a keyword, and the other arguments).
    struct InboundNode {
        var inputs: [(ref: TensorRef, shape: [Int]?)]
        var call: LayerCall
    }

    /// Parses an inbound node in any generation's form:
    /// Keras 1/2 `[["name", node, tensor, {kwargs}], …]` (tensors in the kwargs as `[name, node, tensor]`)
    /// and Keras 3 `{"args": […], "kwargs": {…}}`.
    static func inboundNode(_ v: JSON) -> InboundNode? {
        var inputs: [(TensorRef, [Int]?)] = []
        var keywords: [String?] = []
        var options: [String: JSON] = [:]
        if var a = v.arrayValue {
            if a.first?.stringValue != nil { a = [v] }   // Keras 2.13+ TFOpLambda: one flat [layer, node, tensor, kwargs]
            for x in a {
                guard let r = ref(x) else { return nil }
                inputs.append((r, nil))
                keywords.append(nil)
            }
            if let kw = a.first?.arrayValue, kw.count > 3, let o = kw[3].objectValue {
                for (k, value) in o.pairs where !value.isNull {
                    if k == "mask" { options[k] = value; continue }   // recomputed by the graph, as in Keras 3 nodes below
                    var refs: [TensorRef] = []
                    collectLegacyRefs(value, into: &refs)
                    if refs.isEmpty { options[k] = value }
                    for r in refs { inputs.append((r, nil)); keywords.append(k) }
                }
            }
            return InboundNode(inputs: inputs, call: LayerCall(keywords: keywords, options: options))
        }
        if v.objectValue != nil {
            collectTensors(v["args"], into: &inputs)
            keywords = Array(repeating: nil, count: inputs.count)
            if let kw = v["kwargs"]?.objectValue {
                // `initial_state` tensors follow the args; a `mask` is recomputed by the graph (Mask.swift) and
                // only recorded as an option, which the kinds that would read it as given (attention) refuse.
                for (k, value) in kw.pairs where !value.isNull {
                    if k == "mask" { options[k] = value; continue }
                    let before = inputs.count
                    collectTensors(value, into: &inputs)
                    if inputs.count == before { options[k] = value }
                    keywords += Array(repeating: k, count: inputs.count - before)
                }
            }
            return InboundNode(inputs: inputs, call: LayerCall(keywords: keywords, options: options))
        }
        return nil
    }

    /// Whether a value is a tf-keras tensor reference in a call's kwargs: `[layer, node, tensor]`.
    static func isLegacyRef(_ v: JSON) -> Bool {
        guard let a = v.arrayValue, a.count == 3, a[0].stringValue != nil else { return false }
        return a[1].intValue != nil && a[2].intValue != nil
    }

    private static func collectLegacyRefs(_ v: JSON, into out: inout [TensorRef]) {
        if isLegacyRef(v), let r = ref(v) { out.append(r); return }
        if let a = v.arrayValue { for x in a { collectLegacyRefs(x, into: &out) } }
    }

    private static func collectTensors(_ v: JSON?, into out: inout [(TensorRef, [Int]?)]) {
        guard let v else { return }
        switch v {
        case .array(let a): for x in a { collectTensors(x, into: &out) }
        case .object(let o):
            if o["class_name"]?.stringValue == "__keras_tensor__" {
                if let c = o["config"], let h = c["keras_history"], let r = ref(h) {
                    out.append((r, sampleShape(c["shape"])))
                }
            } else {
                for (_, x) in o.pairs { collectTensors(x, into: &out) }
            }
        default: return
        }
    }
}
