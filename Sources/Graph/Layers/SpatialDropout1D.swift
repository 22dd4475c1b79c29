/// Keras `SpatialDropout1D`: in training drops whole channels of a (steps, channels) sample (noise shape
/// (N, 1, C)), scaling the kept ones by 1/(1 − rate); identity at inference. Keras has no `data_format` for it.
public typealias SpatialDropout1D = NoiseLayer<ChannelDropoutNoise<Spatial1D>>
