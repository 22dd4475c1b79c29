/// Keras `MaxPooling1D` (`MaxPool1D`) over (steps, channels) samples; backward routes to the recorded switches.
public typealias MaxPooling1D = Pooling<WindowMaximum, Spatial1D>
