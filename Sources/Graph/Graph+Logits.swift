import Tensor

extension Graph {
    /// The graph whose first output is the pre-softmax score (the paper and Simonyan et al.
    /// maximise and differentiate the logit, never the probability).
    ///
    /// A final `Activation('softmax')` or `Softmax` layer is skipped by making its input the output; a final layer
    /// with `activation: softmax` is replaced by a copy with a linear activation and the same weights.
    /// Returns the graph unchanged when the output is not a softmax.
    public func logitGraph() throws -> Graph {
        let out = nodes[outputNodes[0]]
        if (out.layer as? ActivationLayer)?.activation == .softmax || out.layer is Softmax {
            let g = try replacing([:])
            g.outputNodes = [out.inputs[0]]
            return g
        }
        guard fusedActivation(out.id) == .softmax else { return self }
        return try linearActivation(out.id)
    }

    /// The activation fused into node `id`'s layer (its `activation` config), nil when it has none.
    public func fusedActivation(_ id: Int) -> Activation? {
        nodes[id].layer.config["activation"].flatMap { try? Activation(config: $0, layer: nodes[id].name) }
    }

    /// The graph with node `id`'s layer replaced by a copy with a linear activation and the same weights: its output
    /// is then the layer's pre-activation (Olah et al. and Lucid maximise a channel before its ReLU). Node ids are kept.
    public func linearActivation(_ id: Int) throws -> Graph {
        let node = nodes[id]
        guard case .object(var cfg) = node.layer.config, cfg["activation"] != nil else { return self }
        cfg["activation"] = "linear"
        let linear = try LayerRegistry.make(className: node.layer.className, name: node.layer.name, config: .object(cfg))
        linear.weights = node.layer.weights
        return try replacing([id: linear])
    }
}
