import Tensor

/// Keras `Add`: elementwise sum of two or more inputs (Keras' size-1 broadcasting allowed).
public typealias Add = ElementwiseMerge<Sum>

public enum Sum: MergeOperation {
    public static let kerasClassNames = ["Add"]

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        inputs.dropFirst().reduce(inputs[0]) { $0.adding($1) }              // (N, …), no copy of the first input
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        inputs.map { _ in upstream }
    }
}

/// A two-input `Add` of same-shaped values is the sum post-op of the convolution computing one of them.
extension ElementwiseMerge: EpilogueFusible where Operation == Sum {
    func epilogueStep(inputShape: [Int]) -> EpilogueStep? { .residualSum }
}
