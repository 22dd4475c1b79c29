import Graph
import HDF5
import Tensor

/// The Keras 3 weights layout of a model, group by group in Keras' write order: `vars` (the model's own,
/// named after it), then `layers/<key>/vars/<i>` with sub-objects (`cell`, `forward_layer/cell`) and nested
/// models' `layers/`. One plan serves the single `.weights.h5` (and `.keras`) and the sharded writer.
struct Keras3WeightsPlan {
    struct Variable {
        let index: Int
        /// The dtype to store: `float32`, `float16`/`bfloat16` when the source stored that and it is kept, or a
        /// quantized layer's stored dtype (`int8`…).
        let dtype: String
        let variable: WeightVariable

        var value: Tensor { variable.value }
        /// Element bytes as stored.
        var bytes: Int { value.count * QuantizedStorage.bytes(ofDType: dtype) }
    }
    struct Group {
        /// HDF5 path of the `vars` group, without a leading slash (`layers/dense/vars`).
        let path: String
        /// `name` attributes of the groups along the path that Keras names (the layer, its sub-objects).
        let names: [(path: String, name: String)]
        var variables: [Variable]
    }

    var groups: [Group] = []

    /// `dtypes`: stored dtype of each variable by layer path, kept when it is float16 or bfloat16.
    init(model: KerasModel, dtypes: [String: [String]]) {
        groups.append(Group(path: "vars", names: [("vars", model.name)], variables: []))
        add(model.layers, under: "layers", dtypes: dtypes)
    }

    mutating func add(_ entries: [ModelEntry], under prefix: String, dtypes: [String: [String]]) {
        let keys = KerasNaming.keys(forClassNames: entries.map(\.className))
        for (e, key) in zip(entries, keys) {
            let base = prefix + "/" + key
            groups.append(Group(path: base + "/vars", names: [(base + "/vars", e.name)], variables: []))
            if let children = e.children {
                add(children, under: base + "/layers", dtypes: dtypes)
                continue
            }
            guard let layer = e.layer else { continue }
            let kept = dtypes[e.path] ?? []
            let quantizedDTypes = (layer as? any QuantizedLayer).flatMap { $0.quantization == nil ? nil : $0.storedDTypes }
            var next = Array(layer.weights.enumerated())[...]
            for group in LayerRegistry.keras3VariableGroups(className: e.className, config: e.config, count: next.count) {
                var at = base
                var names: [(String, String)] = []
                for (k, name) in group.path {
                    at += "/" + k
                    names.append((at + "/vars", name))
                }
                let vars = next.prefix(group.count).enumerated().map { i, pair in
                    var d = pair.offset < kept.count && ["float16", "bfloat16"].contains(kept[pair.offset]) ? kept[pair.offset] : "float32"
                    if let q = quantizedDTypes, pair.offset < q.count { d = q[pair.offset] }
                    return Variable(index: i, dtype: d, variable: pair.element)
                }
                if group.path.isEmpty {
                    groups[groups.count - 1].variables += vars
                } else {
                    groups.append(Group(path: at + "/vars", names: names, variables: vars))
                }
                next = next.dropFirst(group.count)
            }
        }
    }

    /// Creates `g.path` (and the named groups along it) in `root` if missing, returning the `vars` group.
    static func ensure(_ g: Group, in root: H5Group) throws -> H5Group {
        let target = try root.hasChild(g.path) ? try root.group(g.path) : try root.createGroup(g.path)
        for (path, name) in g.names {
            let named = try root.hasChild(path) ? try root.group(path) : try root.createGroup(path)
            if try !named.hasAttribute("name") { try named.setAttribute("name", .string(name)) }
        }
        return target
    }

    static func write(_ v: Variable, into g: H5Group) throws {
        switch v.dtype {
        case "float16": try g.createDataset(name: String(v.index), shape: v.value.shape, floats: v.value.data, storedAs: .float16)
        case "bfloat16":
            let d = try g.createDataset(name: String(v.index), shape: v.value.shape, floats: v.value.data, storedAs: .bfloat16)
            try d.setAttribute("dtype", .string("bfloat16"))
        default: try QuantizedStorageCheck.write(v.variable, dtype: v.dtype, name: String(v.index), into: g)
        }
    }

    /// Everything into one file: (weight arrays, parameters).
    func write(into root: H5Group) throws -> (Int, Int) {
        var count = 0, params = 0
        for g in groups {
            let target = try Self.ensure(g, in: root)
            for v in g.variables {
                try Self.write(v, into: target)
                count += 1
                params += v.value.count
            }
        }
        return (count, params)
    }
}
