import ProtoMessages
import SwiftProtobuf
import TensorBundle

/// A checkpoint's `_CHECKPOINTABLE_OBJECT_GRAPH` (docs/tf-containers.md §1.6–1.8): node 0 is the saved
/// root; a variable is a node with a `VARIABLE_VALUE` attribute naming its bundle key.
struct TFObjectGraph {
    struct Node {
        var children: [(name: String, id: Int)]
        /// Bundle key and Keras name (`conv/kernel`) of the variable this node is, if it is one.
        var variableKey: String?
        var fullName: String?
    }

    let nodes: [Node]
    let file: String

    static let maxNodes = 10_000_000

    init(bundle: TensorBundle, file: String) throws {
        guard bundle.entry(TensorBundle.objectGraphKey) != nil else {
            throw KerasIOError(file: file, "no \(TensorBundle.objectGraphKey) entry: a TF1-style checkpoint without an object graph, which ConvScope does not map onto Keras layers", kind: .unsupported)
        }
        let strings = try bundle.strings(TensorBundle.objectGraphKey)
        guard strings.count == 1 else {
            throw KerasIOError(file: file, object: TensorBundle.objectGraphKey, "holds \(strings.count) strings, expected one")
        }
        try self.init(serialized: strings[0], file: file)
    }

    init(serialized: [UInt8], file: String) throws {
        self.file = file
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        let g: TFTrackableObjectGraph
        do { g = try TFTrackableObjectGraph(serializedBytes: serialized, options: options) } catch {
            throw KerasIOError(file: file, object: TensorBundle.objectGraphKey, "unreadable TrackableObjectGraph (\(error))")
        }
        guard g.nodes.count <= Self.maxNodes else { throw KerasIOError(file: file, object: TensorBundle.objectGraphKey, "\(g.nodes.count) nodes") }
        let count = g.nodes.count
        nodes = try g.nodes.enumerated().map { i, n in
            let children = try n.children.map { c -> (name: String, id: Int) in
                guard c.nodeID >= 0, Int(c.nodeID) < count else {
                    throw KerasIOError(file: file, object: TensorBundle.objectGraphKey, "node \(i) names child node \(c.nodeID) of \(count)")
                }
                return (c.localName, Int(c.nodeID))
            }
            let v = n.attributes.first { $0.name == "VARIABLE_VALUE" }
            return Node(children: children, variableKey: v?.checkpointKey, fullName: v?.fullName)
        }
        guard !nodes.isEmpty else { throw KerasIOError(file: file, object: TensorBundle.objectGraphKey, "has no nodes") }
    }

    func child(_ id: Int, _ name: String) -> Int? { nodes[id].children.first { $0.name == name }?.id }

    /// Children that hold other layers or bookkeeping lists, never a layer's own variables.
    static func isContainer(_ name: String) -> Bool {
        name.hasPrefix("layer-") || name.hasPrefix("layer_with_weights-") || name == "keras_api"
            || ["variables", "trainable_variables", "non_trainable_variables", "regularization_losses", "optimizer",
                "_self_unconditional_dependency_names"].contains(name)
    }

    /// The variables of the layer at node `id`, in `layer.weights` order: its `variables` list when the
    /// graph has one (SavedModel bundles), else depth-first through its children in stored order (creation
    /// order), not entering other layers' containers. Each with its path below the layer (`cell/kernel`).
    func layerVariables(_ id: Int) -> [(path: String, node: Int)] {
        if let list = child(id, "variables") {
            let vars = nodes[list].children.compactMap { c in nodes[c.id].variableKey != nil ? (path: c.name, node: c.id) : nil }
            if vars.count == nodes[list].children.count {
                // Name each by where it hangs below the layer (`kernel`, `cell/kernel`), when found.
                let named = Dictionary(walk(id).map { ($0.node, $0.path) }, uniquingKeysWith: { a, _ in a })
                return vars.map { (named[$0.node] ?? nodes[$0.node].fullName.map(Self.shortName) ?? $0.path, $0.node) }
            }
        }
        return walk(id)
    }

    private func walk(_ id: Int) -> [(path: String, node: Int)] {
        var out: [(path: String, node: Int)] = []
        var seen: Set<Int> = [id]
        func visit(_ n: Int, _ prefix: String, depth: Int) {
            guard depth < 64 else { return }
            for c in nodes[n].children where !Self.isContainer(c.name) && !seen.contains(c.id) {
                seen.insert(c.id)
                let p = prefix.isEmpty ? c.name : prefix + "/" + c.name
                if nodes[c.id].variableKey != nil { out.append((p, c.id)) } else { visit(c.id, p, depth: depth + 1) }
            }
        }
        visit(id, "", depth: 0)
        return out
    }

    static func shortName(_ full: String) -> String { full.split(separator: "/").last.map(String.init) ?? full }

    /// The node of the Keras model: the root, or a `tf.train.Checkpoint(model=…)`'s single model child.
    var modelRoot: Int {
        if child(0, "layer-0") != nil { return 0 }
        let modelish = nodes[0].children.filter { child($0.id, "layer-0") != nil }
        return modelish.count == 1 ? modelish[0].id : 0
    }

    /// Whether a bundle key is optimizer or metric state rather than a model weight.
    static func isTrainingState(_ key: String) -> Bool {
        key.hasPrefix("optimizer/") || key.contains("/.OPTIMIZER_SLOT/") || key.hasPrefix("keras_api/") || key.hasPrefix("save_counter/")
    }
}
