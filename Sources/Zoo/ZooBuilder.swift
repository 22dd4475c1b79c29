import Graph

/// Builds a zoo model twice over, in step: the executable `Graph`, and the Keras 3 functional
/// `model_config` that describes it (so a weights-only file paired with `--arch` can be exported
/// as a full model that Keras loads).
struct ZooBuilder {
    let graph: Graph
    private var layerConfigs: [JSON] = []
    private var inputNames: [String] = []
    private var nodeByName: [String: Int] = [:]

    init(name: String) { graph = Graph(name: name) }

    /// Adds an InputLayer with a per-sample shape.
    @discardableResult
    mutating func input(_ name: String, shape: [Int]) throws -> String {
        let cfg: JSON = ["batch_shape": .array([.null] + shape.map { JSON.number(Double($0)) }),
                         "dtype": "float32", "sparse": false, "name": .string(name)]
        let layer = try LayerRegistry.make(className: InputLayer.kerasClassNames[0], name: name, config: cfg)
        let id = try graph.add(layer, inputs: [])
        graph.inputNodes.append(id)
        nodeByName[name] = id
        inputNames.append(name)
        layerConfigs.append(["class_name": .string(InputLayer.kerasClassNames[0]), "name": .string(name), "config": cfg, "inbound_nodes": []])
        return name
    }

    /// Adds a layer of `kind` (under its canonical Keras class name) applied to the named inputs; returns its name.
    @discardableResult
    mutating func add(_ kind: any Layer.Type, _ name: String, _ config: [(String, JSON)], _ inputs: [String]) throws -> String {
        let className = kind.kerasClassNames[0]
        var cfg = JSONObject(config)
        cfg["name"] = .string(name)
        cfg["trainable"] = true
        cfg["dtype"] = "float32"
        let layer = try kind.init(name: name, config: .object(cfg))
        let id = try graph.add(layer, inputs: try inputs.map { n in
            guard let i = nodeByName[n] else { throw LayerError(name, "zoo input '\(n)' is not defined") }
            return i
        })
        nodeByName[name] = id
        let history: [JSON] = inputs.map { n in
            ["class_name": "__keras_tensor__",
             "config": ["shape": .null, "dtype": "float32", "keras_history": [.string(n), 0, 0]]]
        }
        let args: JSON = history.count == 1 ? history[0] : .array(history)
        layerConfigs.append(["class_name": .string(className), "name": .string(name), "config": .object(cfg),
                             "inbound_nodes": [["args": [args], "kwargs": [:]]]])
        return name
    }

    /// Marks the model output and returns the finished pair.
    func finish(output: String) -> (Graph, JSON) {
        graph.outputNodes = [nodeByName[output]!]
        let io: (String) -> JSON = { [.string($0), 0, 0] }
        let config: JSON = [
            "module": "keras", "class_name": "Functional",
            "config": ["name": .string(graph.name), "trainable": true,
                       "layers": .array(layerConfigs),
                       "input_layers": .array(inputNames.map(io)),
                       "output_layers": [io(output)]],
            "registered_name": "Functional",
        ]
        return (graph, config)
    }
}

/// Shorthands for the configs the zoo uses.
extension JSON {
    static func ints(_ v: [Int]) -> JSON { .array(v.map { .number(Double($0)) }) }
}
