/// Keras `SeparableConv1D` over (steps, channels) samples.
public typealias SeparableConv1D = SeparableConvolution<Spatial1D>
