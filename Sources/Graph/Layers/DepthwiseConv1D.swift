/// Keras `DepthwiseConv1D` over (steps, channels) samples.
public typealias DepthwiseConv1D = DepthwiseConvolution<Spatial1D>
