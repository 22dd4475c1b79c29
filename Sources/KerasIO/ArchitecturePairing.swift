import Graph

extension KerasFile {
    /// The weights of the file at `path` on a built-in architecture (`--arch`): `graph` and its Keras `config`,
    /// named `arch` in messages. Every layer must receive its weights and every stored weight must find its layer.
    public static func pair(weightsFile path: String, graph: Graph, config: JSON, arch: String) throws
        -> (model: KerasModel, attachment: WeightAttachment) {
        let model = KerasModel.wrapping(graph, config: config)
        let a = try attach(weightsFile: path, to: model)
        if let m = a.missing.first {
            throw KerasIOError(file: path, "does not fit --arch \(arch): no stored weights for \(m)\(a.missing.count > 1 ? " (and \(a.missing.count - 1) more)" : "")", kind: .architectureMismatch)
        }
        if let u = a.unusedStored.first {
            throw KerasIOError(file: path, "does not fit --arch \(arch): stored weights of \(u) have no place in the architecture\(a.unusedStored.count > 1 ? " (and \(a.unusedStored.count - 1) more)" : "")", kind: .architectureMismatch)
        }
        return (model, a)
    }
}
