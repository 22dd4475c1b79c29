/// Keras `Conv2D` (Keras 1 `Convolution2D`): a convolution over (height, width, channels) samples.
public typealias Conv2D = Convolution<Spatial2D>
