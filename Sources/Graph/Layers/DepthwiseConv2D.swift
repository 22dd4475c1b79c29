/// Keras `DepthwiseConv2D` over (height, width, channels) samples.
public typealias DepthwiseConv2D = DepthwiseConvolution<Spatial2D>
