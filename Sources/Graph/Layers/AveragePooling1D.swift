/// Keras `AveragePooling1D` (`AvgPool1D`) over (steps, channels) samples.
public typealias AveragePooling1D = Pooling<WindowMean, Spatial1D>
