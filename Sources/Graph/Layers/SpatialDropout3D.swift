/// Keras `SpatialDropout3D`: in training drops whole channels of a (depth, height, width, channels) sample
/// (noise shape (N, 1, 1, 1, C)), scaling the kept ones by 1/(1 − rate); identity at inference.
/// `data_format: "channels_first"` runs through `ChannelsFirst` (noise shape (N, C, 1, 1, 1)).
public typealias SpatialDropout3D = NoiseLayer<ChannelDropoutNoise<Spatial3D>>
