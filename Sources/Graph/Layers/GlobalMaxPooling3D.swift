/// Keras `GlobalMaxPooling3D` (`GlobalMaxPool3D`): max over depth, height and width; (N, C), or (N, 1, 1, 1, C) with `keepdims`.
public typealias GlobalMaxPooling3D = GlobalPooling<GlobalMaximum, Spatial3D>
