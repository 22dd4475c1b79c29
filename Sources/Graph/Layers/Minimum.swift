import Tensor

/// Keras `Minimum`: elementwise minimum of two or more inputs (Keras' size-1 broadcasting allowed).
/// Backward routes each gradient to the input holding the minimum — the first one on ties.
public typealias Minimum = ElementwiseMerge<Smallest>

public enum Smallest: MergeOperation {
    public static let kerasClassNames = ["Minimum"]

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        Merge.select(inputs, tape: tape, replaces: <)                        // (N, …), the chosen input per element on the tape
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        Merge.routeToSelected(upstream, inputCount: inputs.count, tape: tape)   // one (N, …) gradient per input
    }
}
