/// Keras `AveragePooling3D` (`AvgPool3D`) over (depth, height, width, channels) samples (inside positions only).
public typealias AveragePooling3D = Pooling3D<WindowMean>
