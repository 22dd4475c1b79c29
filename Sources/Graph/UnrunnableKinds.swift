/// Keras facts about classes ConvScope lists (with their weights) but does not run, so files holding
/// them still load, convert and write back like Keras. A class that gets a layer type answers for
/// itself (`LayerRegistry` asks the type first), except for `shapePreserving`.
enum UnrunnableKinds {
    /// Classes whose output shape is their input shape. Asked of every layer that is listed but not run:
    /// a class ConvScope has no type for, and also a registered kind whose config was refused (the parser
    /// lists it opaque with the reason), so registered kinds stay here and the shapes after them stay known.
    static let shapePreserving: Set<String> = [
        "BatchNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "Activation", "ReLU", "LeakyReLU", "PReLU",
        "ELU", "ThresholdedReLU", "Softmax", "LayerNormalization", "ActivityRegularization", "Masking",
        "UnitNormalization", "Rescaling", "Normalization", "Identity", "GroupNormalization",
    ]

    static func keras3VariableNames(className: String, config: JSON) -> [String] {
        func scaleAndCenter() -> [String] {
            (config["scale"]?.boolValue ?? true ? ["gamma"] : []) + (config["center"]?.boolValue ?? true ? ["beta"] : [])
        }
        switch className {
        case "SyncBatchNormalization": return scaleAndCenter() + ["moving_mean", "moving_variance"]
        case "SeparableConv1D": return ["depthwise_kernel", "pointwise_kernel", "bias"]
        default: return ["kernel", "bias"]
        }
    }

    /// Keras 3 calls depthwise kernels `kernel`, tf-keras `depthwise_kernel`.
    static func kerasVariableName(_ name: String, className: String, naming: KerasVariableNaming) -> String {
        guard className.hasPrefix("DepthwiseConv") else { return name }
        return DepthwiseConv2D.kerasVariableName(name, naming: naming)
    }

    /// Convolutions of other ranks by their names' pattern (Conv1D, Conv3DTranspose, SeparableConv1D …).
    static func role(ofClass className: String) -> LayerRole {
        if className.hasPrefix("SeparableConv") { return SeparableConv2D.role }
        if className.hasPrefix("DepthwiseConv") { return DepthwiseConv2D.role }
        guard className.hasPrefix("Conv") else { return .other }
        return className.contains("Transpose") ? Conv2DTranspose.role : Conv2D.role
    }

    static func keras3Config(fromLegacy config: JSONObject, className: String) -> JSONObject {
        if className.hasPrefix("SeparableConv") { return SeparableConv2D.keras3Config(fromLegacy: config) }
        if className.hasPrefix("DepthwiseConv") { return DepthwiseConv2D.keras3Config(fromLegacy: config) }
        return config
    }
}
