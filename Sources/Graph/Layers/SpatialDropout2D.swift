/// Keras `SpatialDropout2D`: in training drops whole channels per sample (noise shape (N, 1, 1, C)),
/// scaling the kept ones by 1/(1 − rate); identity at inference. `data_format: "channels_first"` runs
/// through `ChannelsFirst` (noise shape (N, C, 1, 1)).
public typealias SpatialDropout2D = NoiseLayer<ChannelDropoutNoise<Spatial2D>>
