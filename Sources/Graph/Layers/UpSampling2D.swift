/// Keras `UpSampling2D` over (height, width, channels) samples.
public typealias UpSampling2D = UpSampling<Spatial2D>
