import ONNXMessages

/// Graph clean-ups after lowering, so a channels-last model does not pay a transpose per layer:
/// transposes are moved below elementwise nodes whose every input comes through the same permutation,
/// a transpose of a transpose becomes one (none when they cancel), and nodes and initializers no output
/// needs are dropped.
enum ONNXOptimizer {
    /// Ops computing each element from the same element of each input (shapes equal, no broadcasting
    /// across the permuted axes: only applied when every input is a transpose with the same permutation).
    static let elementwise: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "Elu", "Selu", "LeakyRelu", "HardSigmoid", "Softplus", "Softsign", "Exp", "Erf", "Neg",
        "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Identity",
    ]

    static func run(_ b: ONNXGraphBuilder, keep: Set<String>) {
        var nodes = b.nodes
        var changed = true
        var rounds = 0
        while changed && rounds < 10_000 {
            changed = sinkTransposes(&nodes, b: b, keep: keep) || mergeTransposes(&nodes, keep: keep)
                || sinkThroughPad(&nodes, b: b) || absorbIntoReduction(&nodes, b: b)
            rounds += 1
        }
        let (liveNodes, liveValues) = live(nodes, keep: keep)
        b.setNodes(liveNodes)
        b.setInitializers(b.initializers.filter { liveValues.contains($0.name) })
    }

    static func perm(_ n: ONNXNodeProto) -> [Int] { n.attribute.first { $0.name == "perm" }?.ints.map { Int($0) } ?? [] }

    /// Producer index of each value.
    static func producers(_ nodes: [ONNXNodeProto]) -> [String: Int] {
        var p = [String: Int]()
        for (i, n) in nodes.enumerated() { for o in n.output { p[o] = i } }
        return p
    }

    static func consumerCounts(_ nodes: [ONNXNodeProto]) -> [String: Int] {
        var c = [String: Int]()
        for n in nodes { for i in n.input { c[i, default: 0] += 1 } }
        return c
    }

    /// E(T_p(a), T_p(b)) → T_p(E(a, b)) for an elementwise E whose inputs are all transposes by p.
    static func sinkTransposes(_ nodes: inout [ONNXNodeProto], b: ONNXGraphBuilder, keep: Set<String>) -> Bool {
        let prod = producers(nodes)
        let uses = consumerCounts(nodes)
        for (i, n) in nodes.enumerated() where elementwise.contains(n.opType) && n.output.count == 1 && !keep.contains(n.output[0]) {
            let sources = n.input.map { prod[$0].map { nodes[$0] } }
            guard let first = sources.first, let t0 = first, t0.opType == "Transpose" else { continue }
            let p = perm(t0)
            guard sources.allSatisfy({ $0?.opType == "Transpose" && perm($0!) == p }) else { continue }
            // Only when the transposes feed nothing else, so no work is duplicated.
            guard n.input.allSatisfy({ uses[$0] == 1 }) || Set(n.input).count == 1 && uses[n.input[0]] == n.input.count else { continue }
            moveBelow(&nodes, i, inputs: sources.map { $0!.input[0] }, transpose: t0, b: b)
            return true
        }
        return false
    }

    /// Node `i` rewritten to read `inputs` (its transposed inputs' sources) and write a new value, followed by
    /// a copy of `transpose` writing node `i`'s old outputs.
    static func moveBelow(_ nodes: inout [ONNXNodeProto], _ i: Int, inputs: [String], transpose: ONNXNodeProto, b: ONNXGraphBuilder) {
        var moved = nodes[i]
        let inner = b.fresh(moved.output[0] + "/unpermuted")
        moved.input = inputs
        moved.output = [inner]
        var after = transpose
        after.name = b.fresh(moved.name + "/Transpose")
        after.input = [inner]
        after.output = nodes[i].output
        nodes[i] = moved
        nodes.insert(after, at: i + 1)
    }

    /// T_q(T_p(x)) → T_{p∘q}(x), or x itself when they cancel.
    static func mergeTransposes(_ nodes: inout [ONNXNodeProto], keep: Set<String>) -> Bool {
        let prod = producers(nodes)
        for (i, n) in nodes.enumerated() where n.opType == "Transpose" {
            guard let j = prod[n.input[0]], nodes[j].opType == "Transpose" else { continue }
            let p = perm(nodes[j]), q = perm(n)
            let composed = q.map { p[$0] }
            let source = nodes[j].input[0]
            if composed == Array(composed.indices) && !keep.contains(n.output[0]) {
                let out = n.output[0]
                nodes.remove(at: i)
                for k in nodes.indices { nodes[k].input = nodes[k].input.map { $0 == out ? source : $0 } }
            } else {
                var m = n
                m.input = [source]
                m.attribute = [ONNXAttribute.ints("perm", composed).proto]
                nodes[i] = m
            }
            return true
        }
        return false
    }

    /// The int64 values of an initializer.
    static func int64s(_ name: String, _ b: ONNXGraphBuilder) -> [Int]? {
        guard let t = b.initializers.first(where: { $0.name == name }), t.dataType == Int32(ONNXTensorProto.DataType.int64.rawValue) else { return nil }
        return t.rawData.withUnsafeBytes { raw in raw.bindMemory(to: Int64.self).map { Int(Int64(littleEndian: $0)) } }
    }

    /// The transpose feeding input 0 of node `i`, when it feeds nothing else.
    static func soleTranspose(_ nodes: [ONNXNodeProto], _ i: Int) -> ONNXNodeProto? {
        let prod = producers(nodes)
        guard let j = prod[nodes[i].input[0]], nodes[j].opType == "Transpose", consumerCounts(nodes)[nodes[i].input[0]] == 1 else { return nil }
        return nodes[j]
    }

    /// Pad(T_p(x), pads) → T_p(Pad(x, pads permuted)): zero padding moves with its axes.
    static func sinkThroughPad(_ nodes: inout [ONNXNodeProto], b: ONNXGraphBuilder) -> Bool {
        for (i, n) in nodes.enumerated() where n.opType == "Pad" && n.input.count == 2 {
            guard let t = soleTranspose(nodes, i), let pads = int64s(n.input[1], b) else { continue }
            let p = perm(t), r = p.count
            var moved = [Int](repeating: 0, count: 2 * r)
            for k in 0..<r { moved[p[k]] = pads[k]; moved[r + p[k]] = pads[r + k] }
            moveBelow(&nodes, i, inputs: [t.input[0], b.int64s(moved, name: n.name + "/pads")], transpose: t, b: b)
            return true
        }
        return false
    }

    /// ReduceMean/ReduceMax(T_p(x), axes, keepdims 0) → the reduction of x over p(axes), when the axes kept
    /// stay in the same order (global pooling after channels-first ops).
    static func absorbIntoReduction(_ nodes: inout [ONNXNodeProto], b: ONNXGraphBuilder) -> Bool {
        for (i, n) in nodes.enumerated() where n.opType == "ReduceMean" || n.opType == "ReduceMax" {
            guard n.attribute.first(where: { $0.name == "keepdims" })?.i == 0, let t = soleTranspose(nodes, i) else { continue }
            let p = perm(t)
            let attributeAxes = n.attribute.first { $0.name == "axes" }?.ints.map { Int($0) }
            guard let axes = attributeAxes ?? (n.input.count > 1 ? int64s(n.input[1], b) : nil) else { continue }
            let normalized = axes.map { $0 < 0 ? $0 + p.count : $0 }
            let kept = p.indices.filter { !normalized.contains($0) }.map { p[$0] }
            guard kept == kept.sorted() else { continue }
            let moved = normalized.map { p[$0] }.sorted()
            var r = n
            r.input[0] = t.input[0]
            if attributeAxes != nil {
                r.attribute = r.attribute.map { $0.name == "axes" ? ONNXAttribute.ints("axes", moved).proto : $0 }
            } else {
                r.input[1] = b.int64s(moved, name: n.name + "/axes")
            }
            nodes[i] = r
            return true
        }
        return false
    }

    /// The nodes and values the kept outputs depend on.
    static func live(_ nodes: [ONNXNodeProto], keep: Set<String>) -> ([ONNXNodeProto], Set<String>) {
        var needed = keep
        var alive = [Bool](repeating: false, count: nodes.count)
        for i in nodes.indices.reversed() where nodes[i].output.contains(where: needed.contains) {
            alive[i] = true
            for v in nodes[i].input where !v.isEmpty { needed.insert(v) }
        }
        return (nodes.indices.filter { alive[$0] }.map { nodes[$0] }, needed)
    }
}
