import HDF5

/// Reads the legacy weight layout (`model.save("x.h5")` under `model_weights/`, `save_weights("x.h5")` at
/// the root): `layer_names`, then per layer `weight_names` naming datasets inside the layer group.
enum LegacyWeightsReader {
    static func read(group: H5Group, file: String) throws -> [StoredLayer] {
        let base = group.path == "/" ? "" : String(group.path.dropFirst()) + "/"
        let names = try H5Reading.guarded(file, group.path) { try group.stringArray(named: "layer_names") }
        var out: [StoredLayer] = []
        for lname in names {
            let lg = try H5Reading.guarded(file, base + lname) { try group.group(lname) }
            let wnames: [String] = try H5Reading.guarded(file, base + lname) {
                let has = try lg.hasAttribute("weight_names") || lg.hasAttribute("weight_names0")
                return has ? try lg.stringArray(named: "weight_names") : []
            }
            var ws: [StoredWeight] = []
            for wn in wnames {
                let path = base + lname + "/" + wn
                let d = try H5Reading.guarded(file, path) { try lg.dataset(wn) }
                ws.append(StoredWeight(layer: lname, name: wn, shape: d.shape, dtype: d.dtype.description, path: path))
            }
            out.append(StoredLayer(name: lname, key: lname, weights: ws, children: nil))
        }
        return out
    }
}

/// Reads the Keras 3 weights layout (`.weights.h5`, `model.weights.h5` in `.keras`):
/// `layers/<key>/vars/<i>`, sub-objects (`cell`) with their own `vars`, nested models' `layers/`.
enum Keras3WeightsReader {
    static func read(root: H5Group, file: String) throws -> [StoredLayer] {
        guard try H5Reading.guarded(file, "/", { try root.hasChild("layers") }) else { return [] }
        let g = try H5Reading.guarded(file, "layers") { try root.group("layers") }
        return try readLayers(g, file: file, prefix: "", depth: 0)
    }

    static func readLayers(_ g: H5Group, file: String, prefix: String, depth: Int) throws -> [StoredLayer] {
        guard depth < 64 else { throw KerasIOError(file: file, object: g.path, "layers nested more than 64 levels deep") }
        var out: [StoredLayer] = []
        let links = try H5Reading.guarded(file, g.path) { try g.children() }
        for link in naturalSorted(links.map(\.name)).compactMap({ n in links.first { $0.name == n } }) {
            guard link.kind == .group else { continue }
            let lg = try H5Reading.guarded(file, g.path + "/" + link.name) { try g.group(link.name) }
            var name = link.name
            if try H5Reading.guarded(file, lg.path, { try lg.hasChild("vars") }) {
                let vg = try H5Reading.guarded(file, lg.path + "/vars") { try lg.group("vars") }
                if let n = try H5Reading.guarded(file, vg.path, { try H5Reading.string(vg, "name") }) { name = n }
            }
            let ws = try vars(of: lg, layer: prefix + name, file: file, depth: depth)
            var children: [StoredLayer]?
            if try H5Reading.guarded(file, lg.path, { try lg.hasChild("layers") }) {
                let sub = try H5Reading.guarded(file, lg.path + "/layers") { try lg.group("layers") }
                children = try readLayers(sub, file: file, prefix: prefix + name + "/", depth: depth + 1)
            }
            out.append(StoredLayer(name: name, key: link.name, weights: ws, children: children))
        }
        return out
    }

    /// A layer's variables: its own `vars/0..n`, then those of its sub-objects (e.g. an RNN's `cell`).
    static func vars(of lg: H5Group, layer: String, file: String, depth: Int) throws -> [StoredWeight] {
        guard depth < 64 else { throw KerasIOError(file: file, object: lg.path, "objects nested more than 64 levels deep") }
        var ws: [StoredWeight] = []
        let links = try H5Reading.guarded(file, lg.path) { try lg.children() }
        if links.contains(where: { $0.name == "vars" && $0.kind == .group }) {
            let vg = try H5Reading.guarded(file, lg.path + "/vars") { try lg.group("vars") }
            let vlinks = try H5Reading.guarded(file, vg.path) { try vg.children() }
            for v in vlinks.sorted(by: { (Int($0.name) ?? Int.max, $0.name) < (Int($1.name) ?? Int.max, $1.name) }) {
                guard v.kind == .dataset else {
                    throw KerasIOError(file: file, object: vg.path + "/" + v.name, "is not a dataset (\(v.kind))")
                }
                let d = try H5Reading.guarded(file, vg.path + "/" + v.name) { try vg.dataset(v.name) }
                ws.append(StoredWeight(layer: layer, name: v.name, shape: d.shape, dtype: try H5Reading.storedDtype(d, file: file),
                                       path: String(d.path.dropFirst())))
            }
        }
        for link in subObjectOrder(links.map(\.name)) where link != "vars" && link != "layers" {
            guard links.first(where: { $0.name == link })?.kind == .group else { continue }
            let sub = try H5Reading.guarded(file, lg.path + "/" + link) { try lg.group(link) }
            ws += try vars(of: sub, layer: layer, file: file, depth: depth + 1)
        }
        return ws
    }

    /// Sub-objects in the order of Keras' `layer.weights`: by name, except that a `Bidirectional`'s
    /// `forward_layer` comes before its `backward_layer`.
    static func subObjectOrder(_ names: [String]) -> [String] {
        var sorted = naturalSorted(names)
        if let f = sorted.firstIndex(of: "forward_layer"), let b = sorted.firstIndex(of: "backward_layer"), b < f {
            sorted.swapAt(f, b)
        }
        return sorted
    }

    /// `conv2d`, `conv2d_1`, … `conv2d_10` in numeric order rather than HDF5's byte order.
    static func naturalSorted(_ names: [String]) -> [String] {
        func split(_ s: String) -> (String, Int) {
            if let u = s.lastIndex(of: "_"), let n = Int(s[s.index(after: u)...]) { return (String(s[..<u]), n) }
            return (s, -1)
        }
        return names.sorted { a, b in
            let (sa, na) = split(a), (sb, nb) = split(b)
            return sa != sb ? sa < sb : na < nb
        }
    }
}
