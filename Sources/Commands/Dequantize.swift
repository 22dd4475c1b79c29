import KerasIO

extension LoadedModel {
    /// This model (its layers changed in place) with every quantized layer in its float form (`--dequantize`); refused when the
    /// model has no quantized layer, so that the option never silently does nothing.
    public func dequantized() throws -> LoadedModel {
        guard try !model.dequantize().isEmpty else {
            throw CommandError("--dequantize: \(file?.path ?? "the model") has no quantized layer")
        }
        return self
    }
}
