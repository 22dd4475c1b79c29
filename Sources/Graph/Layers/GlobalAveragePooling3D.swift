/// Keras `GlobalAveragePooling3D` (`GlobalAvgPool3D`): mean over depth, height and width; (N, C), or (N, 1, 1, 1, C) with `keepdims`.
public typealias GlobalAveragePooling3D = GlobalPooling<GlobalMean, Spatial3D>
