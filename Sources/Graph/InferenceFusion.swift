import FastKernels
import Tensor

/// What an inference plan (`InferencePlan`) may fold into the epilogue of the convolution before a
/// layer. A kind says so in its own file; the plan never asks for class names.
public enum EpilogueStep {
    /// y = x · scale[c] + shift[c] over the last axis (inference BatchNormalization), folded into the
    /// convolution's kernel and bias.
    case channelAffine(scale: [Float], shift: [Float])
    /// y = x + other (an `Add` of two same-shaped values): oneDNN's sum post-op.
    case residualSum
    /// y = max(x, 0).
    case relu
}

/// A layer that can run inside a convolution's epilogue at inference.
protocol EpilogueFusible: Layer {
    /// The step this layer is, for an input of per-sample shape `inputShape`; nil when it cannot fuse
    /// (a BatchNormalization over another axis, a ReLU with a threshold …).
    func epilogueStep(inputShape: [Int]) -> EpilogueStep?
}

/// A convolution an inference plan may run through a fused kernel: its geometry, kernel (kh, kw, Cin/G,
/// Cout), bias and activation, as built.
protocol FusibleConvolution: Layer {
    var fusedGeometry: ConvGeometry? { get }
    var fusedGroups: Int { get }
    var fusedFilters: Int { get }
    /// The layer's own activation (`linear` or `relu` fuse).
    var fusedActivation: Activation { get }
    var fusedKernel: Tensor { get }
    var fusedBias: [Float]? { get }
}

/// A windowed pooling an inference plan may run through oneDNN's pooling (`FastPooling`): its kind and
/// geometry as built, nil when oneDNN does not compute it as Keras does.
protocol FastPoolable: Layer {
    var fastPooling: (kind: FastPooling.Kind, geometry: ConvGeometry)? { get }
}
