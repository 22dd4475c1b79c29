import Tensor

/// Where a graph's values are channels-first: what code that picks, seeds or draws channels (Visualize,
/// the image commands) asks instead of assuming the channels are last.
extension Graph {
    /// Per node, whether its output is (N, C, …): the output of a channels-first layer with spatial axes,
    /// an input that feeds channels-first layers (through layers that keep its shape), and the output of
    /// a layer keeping the shape of channels-first inputs (an activation, BatchNormalization, Add …).
    public var channelsFirstOutputs: [Bool] {
        var first = [Bool](repeating: false, count: nodes.count)
        for n in nodes {
            if n.layer is ChannelsFirstLayer || n.layer is ChannelsToFirst {
                first[n.id] = n.outputShape.count >= 2
            } else if n.inputs.isEmpty {
                first[n.id] = n.outputShape.count >= 2 && feedsChannelsFirst(n.id)
            } else {
                first[n.id] = n.inputs.allSatisfy { first[$0] } && nodes[n.inputs[0]].outputShape == n.outputShape
            }
        }
        return first
    }

    /// Whether node `id`'s output is (N, C, …) (see `channelsFirstOutputs`).
    public func isChannelsFirst(_ id: Int) -> Bool { channelsFirstOutputs[id] }

    /// Whether the value of node `id` reaches a channels-first layer through layers that keep its shape.
    private func feedsChannelsFirst(_ id: Int) -> Bool {
        var frontier = [id], seen = Set([id])
        while let v = frontier.popLast() {
            for n in nodes where n.inputs.contains(v) {
                if n.layer is ChannelsFirstLayer { return true }
                if n.layer is ChannelsToFirst { continue }
                if n.outputShape == nodes[v].outputShape, seen.insert(n.id).inserted { frontier.append(n.id) }
            }
        }
        return false
    }

    /// Node `id`'s value with its channels last: (N, …, C) whatever the layout (what selection and drawing read).
    public func channelsLastValue(_ t: Tensor, node id: Int) -> Tensor { isChannelsFirst(id) ? channelsLast(t) : t }

    /// Node `id`'s per-sample output shape with its channels last.
    public func channelsLastShape(_ id: Int) -> [Int] {
        let s = nodes[id].outputShape
        return isChannelsFirst(id) ? Array(s.dropFirst()) + [s[0]] : s
    }

    /// A (N, …, C) tensor in node `id`'s layout (the inverse of `channelsLastValue`: a seed built channels-last).
    public func nodeLayout(_ t: Tensor, node id: Int) -> Tensor { isChannelsFirst(id) ? channelsFirst(t) : t }

    /// The graph the image commands run: this one, or for a model whose one (C, H, W) input feeds
    /// channels-first layers, the same nodes (same layers, names and weights) after an input of
    /// (H, W, C) images and a `ChannelsToFirst` node, so images go in and input gradients come out as
    /// (N, H, W, C) while every layer computes as Keras does.
    public func imageView() throws -> Graph {
        guard inputNodes.count == 1, nodes[inputNodes[0]].outputShape.count == 3, isChannelsFirst(inputNodes[0]) else { return self }
        let input = nodes[inputNodes[0]]
        let s = input.outputShape
        let view = Graph(name: name)
        var ids: [Int: Int] = [:]
        for n in nodes {
            if n.id == input.id {
                let config: JSON = ["batch_shape": .array([.null] + [s[1], s[2], s[0]].map { .number(Double($0)) }), "name": .string(n.name)]
                let i = try view.add(try InputLayer(name: n.name, config: config), inputs: [], name: n.name)
                view.inputNodes = [i]
                ids[n.id] = try view.add(try ChannelsToFirst(name: "\(n.name)/channels_first", config: [:]), inputs: [i])
            } else {
                ids[n.id] = try view.add(n.layer, inputs: n.inputs.map { ids[$0]! }, name: n.name)
            }
        }
        view.outputNodes = outputNodes.map { ids[$0]! }
        return view
    }
}
