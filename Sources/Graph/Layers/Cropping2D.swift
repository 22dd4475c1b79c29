/// Keras `Cropping2D` over (height, width, channels) samples.
public typealias Cropping2D = Cropping<Spatial2D>
