import Tensor

/// Keras `Maximum`: elementwise maximum of two or more inputs.
/// Backward routes each gradient to the input holding the maximum — the first one on ties.
public typealias Maximum = ElementwiseMerge<Largest>

public enum Largest: MergeOperation {
    public static let kerasClassNames = ["Maximum"]

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        Merge.select(inputs, tape: tape, replaces: >)                        // (N, …)
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        Merge.routeToSelected(upstream, inputCount: inputs.count, tape: tape)
    }
}
