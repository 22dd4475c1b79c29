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
        guard let activation = out.layer.config["activation"],
              (try? Activation(config: activation, layer: out.name)) == .softmax,
              case .object(var cfg) = out.layer.config else { return self }
        cfg["activation"] = "linear"
        let linear = try LayerRegistry.make(className: out.layer.className, name: out.layer.name, config: .object(cfg))
        linear.weights = out.layer.weights
        return try replacing([out.id: linear])
    }
}
