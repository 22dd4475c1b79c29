/// Keras `Cropping1D` over (steps, channels) samples.
public typealias Cropping1D = Cropping<Spatial1D>
