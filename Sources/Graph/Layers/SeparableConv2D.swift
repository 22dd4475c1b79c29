/// Keras `SeparableConv2D` over (height, width, channels) samples.
public typealias SeparableConv2D = SeparableConvolution<Spatial2D>
