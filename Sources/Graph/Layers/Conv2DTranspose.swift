/// Keras `Conv2DTranspose` over (height, width, channels) samples.
public typealias Conv2DTranspose = TransposedConvolution<Spatial2D>
