/// Keras `GlobalMaxPooling1D` (`GlobalMaxPool1D`): max over steps; (N, C), or (N, 1, C) with `keepdims`.
public typealias GlobalMaxPooling1D = GlobalPooling<GlobalMaximum, Spatial1D>
