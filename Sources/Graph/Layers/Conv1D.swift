/// Keras `Conv1D` (Keras 1 `Convolution1D`) over (steps, channels) samples, with "causal" padding
/// besides "same" and "valid" (output t sees inputs up to t only).
public typealias Conv1D = Convolution<Spatial1D>
