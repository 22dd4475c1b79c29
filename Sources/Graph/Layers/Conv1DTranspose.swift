/// Keras `Conv1DTranspose` over (steps, channels) samples.
public typealias Conv1DTranspose = TransposedConvolution<Spatial1D>
