/// Keras `UpSampling1D` over (steps, channels) samples.
public typealias UpSampling1D = UpSampling<Spatial1D>
