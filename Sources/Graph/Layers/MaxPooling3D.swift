/// Keras `MaxPooling3D` (`MaxPool3D`) over (depth, height, width, channels) samples; backward routes to the recorded switches.
public typealias MaxPooling3D = Pooling3D<WindowMaximum>
