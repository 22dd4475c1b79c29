import Graph
import Tensor

/// What attaching weights did.
public struct WeightAttachment: Codable, Equatable, Sendable {
    /// Layer paths that received weights, in order.
    public var assigned: [String] = []
    /// Stored layers (with weights) that no graph layer took.
    public var unusedStored: [String] = []
    /// Graph layers with variables that the file did not provide (only with by-name loading).
    public var missing: [String] = []
    public var notes: [String] = []
    /// Dataset paths each layer's variables came from, in variable order, by layer path.
    public var sources: [String: [String]] = [:]
}

/// Puts stored weights into a model's layers, checking every shape against what `build` created.
struct WeightAttacher {
    let file: String
    /// Reads a dataset's values by its path in the weights file.
    let read: (StoredWeight) throws -> [Float]
    var report = WeightAttachment()
    /// How the file's convolution kernels are laid out (Keras 1, Theano); the current layout by default.
    var kernels = KernelLayout()
    /// False when values are not loaded (`inspect`): a variable whose stored shape is the layer's keeps the zero
    /// placeholder the layer's build made, and `read` is not called for it (no second placeholder is allocated).
    var valuesLoaded = true

    init(file: String, read: @escaping (StoredWeight) throws -> [Float]) {
        self.file = file
        self.read = read
    }

    // MARK: One layer

    /// Assigns `stored` (in stored order) to `layer`. Opaque layers adopt the stored shapes.
    mutating func assign(_ stored: [StoredWeight], to layer: any Layer, path: String, className: String,
                         config: JSON, keras3Names: Bool) throws {
        if let o = layer as? OpaqueLayer {
            let names = keras3Names ? LayerRegistry.keras3VariableNames(className: className, config: config, count: stored.count)
                                    : stored.map(\.shortName)
            o.weights = try stored.enumerated().map { i, w in
                var v = try WeightVariable(name: names[i], shape: [0], trainable: WeightNames.isTrainable(names[i]))
                v.value = Tensor(shape: w.shape, data: try read(w))
                return v
            }
            if !stored.isEmpty { report.assigned.append(path); report.sources[path] = stored.map(\.path) }
            return
        }
        var vars = layer.weights
        if kernels.keras1, let k1 = layer as? any Keras1WeightLayout, stored.count != vars.count {
            return try assignKeras1(stored, to: k1, path: path)
        }
        let stored = keras3Names ? stored : QuantizedStorageCheck.ordered(stored, for: layer)
        guard vars.count == stored.count else {
            let have = stored.map(\.name).joined(separator: ", ")
            let want = vars.map(\.name).joined(separator: ", ")
            throw KerasIOError(file: file, object: "layer '\(path)'",
                               "file has \(stored.count) weights (\(have)) but the layer's config creates \(vars.count) (\(want))")
        }
        let oriented = stored.indices.filter { kernels.applies(to: layer, variable: vars[$0].name) }
        for (i, w) in stored.enumerated() where vars[i].value.shape != w.shape && !oriented.contains(i) {
            throw KerasIOError(file: file, object: "layer '\(path)'",
                               "weight '\(w.name)' has shape \(fmt(w.shape)) in the file but \(fmt(vars[i].value.shape)) from the layer config (\(vars[i].name))")
        }
        try QuantizedStorageCheck.check(stored, layer: layer, path: path, file: file)
        for i in oriented {
            let w = stored[i]
            guard let k = kernels.kernel(try read(w), stored: w.shape, want: vars[i].value.shape, channelsFirst: layer is ChannelsFirstLayer,
                                         transposed: KernelLayout.transposed(layer)) else {
                throw KerasIOError(file: file, object: "layer '\(path)'",
                                   "weight '\(w.name)' has shape \(fmt(w.shape)) in the file, which is not the \(layer is ChannelsFirstLayer ? "(out, in, window…)" : "(window…, in, out)") layout of \(fmt(vars[i].value.shape)) (\(vars[i].name))")
            }
            vars[i].value = k
        }
        for (i, w) in stored.enumerated() where !oriented.contains(i) {
            if !valuesLoaded && vars[i].value.shape == w.shape { continue }
            let values = try read(w)
            guard values.count == vars[i].value.count else {
                throw KerasIOError(file: file, object: w.path, "read \(values.count) values, expected \(vars[i].value.count)")
            }
            vars[i].value = Tensor(shape: w.shape, data: values)
        }
        layer.weights = vars
        if !stored.isEmpty { report.assigned.append(path); report.sources[path] = stored.map(\.path) }
    }

    /// A Keras 1 layer whose stored variables are laid out otherwise (per-gate recurrent matrices): its kind converts them.
    mutating func assignKeras1(_ stored: [StoredWeight], to layer: any Keras1WeightLayout, path: String) throws {
        var vars = layer.weights
        let tensors = try stored.map { Tensor(shape: $0.shape, data: try read($0)) }
        guard let converted = layer.variables(fromKeras1: tensors), converted.count == vars.count,
              zip(converted, vars).allSatisfy({ $0.shape == $1.value.shape }) else {
            throw KerasIOError(file: file, object: "layer '\(path)'",
                               "file has \(stored.count) Keras 1 weights (\(stored.map { "\($0.name) \(fmt($0.shape))" }.joined(separator: ", "))), "
                               + "which are not the layout of the layer's \(vars.map { "\($0.name) \(fmt($0.value.shape))" }.joined(separator: ", "))")
        }
        for i in vars.indices { vars[i].value = converted[i] }
        layer.weights = vars
        report.assigned.append(path)
        report.sources[path] = stored.map(\.path)
    }

    func fmt(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + ")" }

    static func expectsWeights(_ e: ModelEntry) -> Bool {
        if let c = e.children { return c.contains(where: expectsWeights) }
        guard let l = e.layer else { return false }
        return l is OpaqueLayer || !l.weights.isEmpty
    }
    static func knownToHaveWeights(_ e: ModelEntry) -> Bool {
        if let c = e.children { return c.contains(where: knownToHaveWeights) }
        guard let l = e.layer else { return false }
        return !(l is OpaqueLayer) && !l.weights.isEmpty
    }

    // MARK: Legacy layout

    /// Keras' `load_weights_from_hdf5_group`: stored layers matched to model.layers by name, by order when
    /// names differ; `byName` (like `load_weights(by_name=True)`) only matches names and skips the rest.
    mutating func attachLegacy(_ stored: [StoredLayer], to entries: [ModelEntry], byName: Bool) throws {
        var taken = Set<String>()
        var unmatched: [StoredLayer] = []
        for s in stored {
            if let e = entries.first(where: { $0.name == s.name }), !taken.contains(e.path) {
                taken.insert(e.path)
                try attachLegacy(s, to: e)
            } else if !s.weights.isEmpty {
                unmatched.append(s)
            }
        }
        let open = entries.filter { !taken.contains($0.path) && Self.knownToHaveWeights($0) }
        if byName {
            report.unusedStored += unmatched.map(\.name)
            report.missing += open.map(\.path)
            return
        }
        if !unmatched.isEmpty {
            // Names differ: Keras itself loads positionally over layers that have weights.
            let candidates = entries.filter { !taken.contains($0.path) && Self.expectsWeights($0) }
            let known = candidates.filter(Self.knownToHaveWeights)
            let targets = known.count == unmatched.count ? known : candidates
            guard targets.count == unmatched.count else {
                throw KerasIOError(file: file, object: "weights",
                                   "file has \(unmatched.count) layers with weights not named in the model (\(unmatched.prefix(5).map(\.name).joined(separator: ", "))) but the model has \(targets.count) unfilled layers with weights")
            }
            for (s, e) in zip(unmatched, targets) {
                report.notes.append("stored layer '\(s.name)' loaded into '\(e.path)' by position")
                taken.insert(e.path)
                try attachLegacy(s, to: e)
            }
        } else if let e = open.first {
            throw KerasIOError(file: file, object: "layer '\(e.path)'", "the file has no weights for this layer")
        }
    }

    /// One stored layer group onto one model entry (a nested model gets its inner layers by name).
    mutating func attachLegacy(_ s: StoredLayer, to e: ModelEntry) throws {
        guard let children = e.children else {
            try assign(s.weights, to: e.layer!, path: e.path, className: e.className, config: e.config, keras3Names: false)
            return
        }
        // Nested model: weights named `inner/kernel:0` (tf-keras), `inner/kernel` or `outer/inner/kernel`
        // (Keras 3), listed trainable first: group them by the inner layer named in the weight name.
        let leaves = children.flatMap(\.flattenedLayers)
        var byLeaf: [String: [StoredWeight]] = [:]
        for w in s.weights {
            var comps = w.name.split(separator: "/").map(String.init)
            if let last = comps.last, let c = last.lastIndex(of: ":") { comps[comps.count - 1] = String(last[..<c]) }
            comps.removeLast()
            guard let leaf = comps.reversed().lazy.compactMap({ c in leaves.first { $0.name == c } }).first else {
                throw KerasIOError(file: file, object: w.path,
                                   "weight '\(w.name)' of nested model '\(e.path)' names none of its layers")
            }
            byLeaf[leaf.path, default: []].append(w)
        }
        for leaf in leaves {
            let ws = byLeaf[leaf.path] ?? []
            if ws.isEmpty, let l = leaf.layer, !(l is OpaqueLayer), !l.weights.isEmpty {
                throw KerasIOError(file: file, object: "layer '\(leaf.path)'", "the file has no weights for this layer")
            }
            if let l = leaf.layer, !ws.isEmpty || !(l is OpaqueLayer) {
                try assign(ws, to: l, path: leaf.path, className: leaf.className, config: leaf.config, keras3Names: false)
            }
        }
    }

    // MARK: Keras 3 layout

    /// Keras 3 `saving_lib`: layer groups keyed by snake-cased class name and a counter in model.layers
    /// order; nested models below their own key.
    mutating func attachKeras3(_ stored: [StoredLayer], to entries: [ModelEntry]) throws {
        let keys = KerasNaming.keys(forClassNames: entries.map(\.className))
        var used = Set<String>()
        for (e, key) in zip(entries, keys) {
            var s = stored.first { $0.key == key }
            if s == nil, let byName = stored.first(where: { $0.name == e.name && !used.contains($0.key) }) {
                report.notes.append("layer '\(e.path)' matched stored group '\(byName.key)' by name, not by key '\(key)'")
                s = byName
            }
            guard let s else {
                if Self.knownToHaveWeights(e) {
                    throw KerasIOError(file: file, object: "layer '\(e.path)'", "no stored group 'layers/\(key)' for this \(e.className)")
                }
                continue
            }
            used.insert(s.key)
            if let children = e.children {
                try attachKeras3(s.children ?? [], to: children)
            } else if let l = e.layer {
                let groups = LayerRegistry.keras3VariableGroups(className: e.className, config: e.config, count: s.weights.count)
                try assign(Self.keras3Order(s.weights, groups: groups), to: l, path: e.path, className: e.className,
                           config: e.config, keras3Names: true)
            }
        }
        for s in stored where !used.contains(s.key) && !(s.weights.isEmpty && (s.children ?? []).isEmpty) {
            report.unusedStored.append(s.name)
        }
    }
}

extension WeightAttacher {
    /// A Keras 3 layer's stored variables in the order its kind's groups give (the reader lists sub-objects
    /// by name: `key_dense` before `query_dense`); unchanged when the groups do not name every one.
    static func keras3Order(_ ws: [StoredWeight], groups: [Keras3VariableGroup]) -> [StoredWeight] {
        guard groups.contains(where: { !$0.path.isEmpty }) else { return ws }
        var out: [StoredWeight] = [], taken = Set<Int>()
        for g in groups {
            for i in 0..<g.count {
                let suffix = "/" + (g.path.map(\.key) + ["vars", String(i)]).joined(separator: "/")
                let candidates = ws.indices.filter { !taken.contains($0) && ws[$0].path.hasSuffix(suffix) }
                guard let j = candidates.min(by: { ws[$0].path.count < ws[$1].path.count }) else { return ws }
                taken.insert(j)
                out.append(ws[j])
            }
        }
        return out.count == ws.count ? out : ws
    }
}

/// Keras 1 Theano kernels: stored (out, in, kh, kw) and spatially flipped (true convolution).
public enum TheanoKernels {
    /// Converts a Theano Convolution2D kernel to TensorFlow's (kh, kw, in, out) cross-correlation layout.
    public static func toTensorFlow(_ k: Tensor) -> Tensor {
        precondition(k.rank == 4, "Theano kernel must have rank 4")
        let (o, i, h, w) = (k.shape[0], k.shape[1], k.shape[2], k.shape[3])
        var out = [Float](repeating: 0, count: k.count)
        for a in 0..<o { for b in 0..<i { for y in 0..<h { for x in 0..<w {
            let src = ((a * i + b) * h + y) * w + x
            let dst = (((h - 1 - y) * w + (w - 1 - x)) * i + b) * o + a
            out[dst] = k.data[src]
        } } } }
        return Tensor(shape: [h, w, i, o], data: out)
    }
}
