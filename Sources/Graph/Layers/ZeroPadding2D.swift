/// Keras `ZeroPadding2D` over (height, width, channels) samples.
public typealias ZeroPadding2D = ZeroPadding<Spatial2D>
