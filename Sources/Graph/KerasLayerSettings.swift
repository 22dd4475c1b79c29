/// The config keys Keras writes for each layer class ConvScope runs (the union over Keras 2.x,
/// tf-keras 2.21 and Keras 3 `get_config()`), so a key outside them — a typo, a setting from a
/// newer Keras, or something planted — is reported as ignored instead of silently dropped.
/// `RegressionTests` checks every fixture of every generation produces no such report.
public enum KerasLayerSettings {
    /// Keys any layer may carry: identity, dtype policy, and the input-shape keys of a first layer.
    static let common: Set<String> = [
        "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim", "input_dtype",
    ]

    private static let convolution: Set<String> = [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "dilation_rate", "filters", "groups", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
        "kernel_size", "padding", "strides", "use_bias",
    ]
    private static let depthwise: Set<String> = [
        "depth_multiplier", "depthwise_constraint", "depthwise_initializer", "depthwise_regularizer",
    ]
    private static let pooling: Set<String> = ["data_format", "padding", "pool_size", "strides"]
    private static let globalPooling: Set<String> = ["data_format", "keepdims"]
    private static let merge: Set<String> = []

    /// Keys per Keras class name.
    public static let byClass: [String: Set<String>] = [
        "InputLayer": ["optional", "ragged", "sparse"],
        "Conv2D": convolution,
        "Convolution2D": convolution,
        "Conv2DTranspose": convolution.union(["output_padding"]),
        "Convolution2DTranspose": convolution.union(["output_padding"]),
        "DepthwiseConv2D": convolution.subtracting(["filters", "kernel_constraint", "kernel_initializer", "kernel_regularizer"])
            .union(depthwise),
        "SeparableConv2D": convolution.union(depthwise)
            .union(["pointwise_constraint", "pointwise_initializer", "pointwise_regularizer"]),
        "SeparableConvolution2D": convolution.union(depthwise)
            .union(["pointwise_constraint", "pointwise_initializer", "pointwise_regularizer"]),
        "Dense": [
            "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer",
            "kernel_constraint", "kernel_initializer", "kernel_regularizer", "quantization_config", "units", "use_bias",
            "lora_rank", "lora_alpha",
        ],
        "MaxPooling2D": pooling, "MaxPool2D": pooling, "AveragePooling2D": pooling, "AvgPool2D": pooling,
        "GlobalAveragePooling2D": globalPooling, "GlobalAvgPool2D": globalPooling,
        "GlobalMaxPooling2D": globalPooling, "GlobalMaxPool2D": globalPooling,
        "Activation": ["activation"],
        "Flatten": ["data_format"],
        "BatchNormalization": [
            "axis", "beta_constraint", "beta_initializer", "beta_regularizer", "center", "epsilon", "gamma_constraint",
            "gamma_initializer", "gamma_regularizer", "momentum", "moving_mean_initializer", "moving_variance_initializer",
            "renorm", "renorm_clipping", "renorm_momentum", "scale", "synchronized", "fused", "virtual_batch_size",
            "adjustment",
        ],
        "ReLU": ["max_value", "negative_slope", "threshold"],
        "LeakyReLU": ["alpha", "negative_slope"],
        "PReLU": ["alpha_constraint", "alpha_initializer", "alpha_regularizer", "shared_axes"],
        "ELU": ["alpha"],
        "Softmax": ["axis"],
        "ZeroPadding2D": ["data_format", "padding"],
        "Cropping2D": ["cropping", "data_format"],
        "UpSampling2D": ["data_format", "interpolation", "size"],
        "Reshape": ["target_shape"],
        "Permute": ["dims"],
        "Dropout": ["noise_shape", "rate", "seed"],
        "SpatialDropout2D": ["data_format", "noise_shape", "rate", "seed"],
        "GaussianNoise": ["seed", "stddev"],
        "GaussianDropout": ["rate", "seed"],
        "ActivityRegularization": ["l1", "l2"],
        "Add": merge, "Subtract": merge, "Multiply": merge, "Average": merge, "Maximum": merge, "Minimum": merge,
        "Concatenate": ["axis"],
        "Rescaling": ["offset", "scale"],
    ]

    /// Keys of `config` that Keras does not write for `className`, sorted; empty for classes not in the table.
    public static func unknown(in config: JSON, className: String) -> [String] {
        guard let known = byClass[className], let keys = config.objectValue?.keys else { return [] }
        return keys.filter { !common.contains($0) && !known.contains($0) }.sorted()
    }
}
