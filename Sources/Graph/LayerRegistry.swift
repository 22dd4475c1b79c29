/// The one place that maps Keras class names to layer types.
public enum LayerRegistry {
    /// Every layer kind ConvScope can run. Add a new kind here and nowhere else.
    public static let kinds: [any Layer.Type] = [
        InputLayer.self,
        Conv2D.self,
        Dense.self,
        MaxPooling2D.self,
        ActivationLayer.self,
        Flatten.self,
        DepthwiseConv2D.self,
        SeparableConv2D.self,
        Conv2DTranspose.self,
        AveragePooling2D.self,
        GlobalAveragePooling2D.self,
        GlobalMaxPooling2D.self,
        BatchNormalization.self,
        LayerNormalization.self,
        GroupNormalization.self,
        UnitNormalization.self,
        ReLU.self,
        LeakyReLU.self,
        PReLU.self,
        ELU.self,
        Softmax.self,
        ThresholdedReLU.self,
        Identity.self,
        Masking.self,
        AlphaDropout.self,
        ZeroPadding2D.self,
        Cropping2D.self,
        UpSampling2D.self,
        Reshape.self,
        Permute.self,
        Dropout.self,
        SpatialDropout2D.self,
        SpatialDropout1D.self,
        SpatialDropout3D.self,
        GaussianNoise.self,
        GaussianDropout.self,
        ActivityRegularization.self,
        Add.self,
        Subtract.self,
        Multiply.self,
        Average.self,
        Maximum.self,
        Minimum.self,
        Concatenate.self,
        Dot.self,
        Rescaling.self,
        Normalization.self,
        Resizing.self,
        CenterCrop.self,
        // 1-D convolution, pooling and reshaping (issue 15)
        Conv1D.self,
        MaxPooling1D.self,
        AveragePooling1D.self,
        GlobalMaxPooling1D.self,
        GlobalAveragePooling1D.self,
        UpSampling1D.self,
        ZeroPadding1D.self,
        Cropping1D.self,
        RepeatVector.self,
        Conv1DTranspose.self,
        SeparableConv1D.self,
        DepthwiseConv1D.self,
        Conv3D.self,
        GlobalMaxPooling3D.self,
        GlobalAveragePooling3D.self,
        MaxPooling3D.self,
        AveragePooling3D.self,
        UpSampling3D.self,
        ZeroPadding3D.self,
        Cropping3D.self,
        Conv3DTranspose.self,
        Embedding.self,
        SimpleRNN.self,
        LSTM.self,
        GRU.self,
        Bidirectional.self,
        TimeDistributed.self,
        EinsumDense.self,
        // attention (issue 15, attention slice)
        Attention.self,
        AdditiveAttention.self,
        MultiHeadAttention.self,
        CuDNNLSTM.self,
        CuDNNGRU.self,
    ]

    private static let byName: [String: any Layer.Type] = {
        var table: [String: any Layer.Type] = [:]
        for kind in kinds { for n in kind.kerasClassNames { table[n] = kind } }
        return table
    }()

    /// Whether a Keras class name is one ConvScope runs.
    public static func isSupported(_ className: String) -> Bool { byName[className] != nil }

    /// The layer type implementing a Keras class name; nil for classes ConvScope only lists.
    public static func kind(named className: String) -> (any Layer.Type)? { byName[className] }

    /// Makes a layer from a Keras class name and config, written by Keras of `dialect` (the meaning of
    /// activation names). Unknown kinds and Lambda become `OpaqueLayer`s: listed with their weights,
    /// refused when run. Never executes code from a file.
    public static func make(className: String, name: String, config: JSON,
                            dialect: ActivationDialect = .keras3) throws -> any Layer {
        if let kind = byName[className] {
            let layer = try ActivationDialect.$current.withValue(dialect) {
                if let capable = kind as? any ChannelsFirstCapable.Type, config["data_format"]?.stringValue == "channels_first" {
                    return try channelsFirstLayer(capable, name: name, config: config)
                }
                return try kind.init(name: name, config: config)
            }
            layer.className = className
            return layer
        }
        let layer = try OpaqueLayer(name: name, config: config)
        layer.className = className
        return layer
    }
}
