/// Weight names of TF.js models converted from a Keras 3 `.keras` file: `tensorflowjs_converter` 4.x names each
/// weight by its dataset path in `model.weights.h5` (`layers/conv2d/vars/0`, `layers/functional/layers/dense/vars/1`,
/// `layers/lstm/cell/vars/0`), so they are matched as a `.keras` file's weights are: by Keras 3 saving keys.
enum TFJSKeras3Names {
    final class Node {
        var children: [String: Node] = [:]
        var vars: [(index: String, entry: TFJSManifest.Entry)] = []
    }

    /// The stored layers the names describe, or nil when not every name is a Keras 3 `layers/…/vars/N` path.
    static func storedLayers(_ entries: [TFJSManifest.Entry]) -> [StoredLayer]? {
        guard !entries.isEmpty else { return nil }
        let root = Node()
        for e in entries {
            let comps = e.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard comps.count >= 4, comps.count <= 256, comps[0] == "layers", comps[comps.count - 2] == "vars",
                  !comps.contains("") else { return nil }
            var node = root
            for c in comps.dropLast(2) {
                if let next = node.children[c] { node = next } else {
                    let next = Node()
                    node.children[c] = next
                    node = next
                }
            }
            node.vars.append((comps[comps.count - 1], e))
        }
        return layers(root.children["layers"], prefix: "")
    }

    /// One `layers` group: each key a stored layer, its own and its sub-objects' variables, its nested `layers`.
    static func layers(_ group: Node?, prefix: String) -> [StoredLayer] {
        guard let group else { return [] }
        return Keras3WeightsReader.naturalSorted(Array(group.children.keys)).map { key in
            let node = group.children[key]!
            let children = node.children["layers"].map { layers($0, prefix: prefix + key + "/") }
            return StoredLayer(name: key, key: key, weights: variables(node, layer: prefix + key), children: children)
        }
    }

    /// A layer's `vars` in index order, then those of its sub-objects (an RNN's `cell`), as `Keras3WeightsReader` lists them.
    static func variables(_ node: Node, layer: String) -> [StoredWeight] {
        let own = node.vars.sorted { (Int($0.index) ?? Int.max, $0.index) < (Int($1.index) ?? Int.max, $1.index) }.map { v in
            StoredWeight(layer: layer, name: v.index, shape: v.entry.shape,
                         dtype: v.entry.quantization.map { "\($0.rawValue) (\(v.entry.dtype))" } ?? v.entry.dtype, path: v.entry.name)
        }
        let subs = Keras3WeightsReader.subObjectOrder(Array(node.children.keys)).filter { $0 != "layers" }
        return own + subs.flatMap { variables(node.children[$0]!, layer: layer) }
    }
}
