/// Keras `GlobalAveragePooling1D` (`GlobalAvgPool1D`): mean over steps; (N, C), or (N, 1, C) with `keepdims`.
public typealias GlobalAveragePooling1D = GlobalPooling<GlobalMean, Spatial1D>
