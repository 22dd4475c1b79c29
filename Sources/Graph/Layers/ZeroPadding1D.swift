/// Keras `ZeroPadding1D` over (steps, channels) samples.
public typealias ZeroPadding1D = ZeroPadding<Spatial1D>
